// How `npm test` runs node:test files and reads their closing count. The reporters are named: left
// to its default, node:test writes TAP when stdout is not a terminal on Node 20 and 22 but spec on
// Node 23 and later, whose "ℹ pass N" the count never matched (Node 24 closed with 0 unit tests).
// TAP goes to stdout, where we read it; spec goes to stderr, for people.
import { spawn } from 'node:child_process';

export function nodeTestArgs(files, extra = []) {
  return [
    '--import', 'tsx', '--test',
    '--test-reporter=tap', '--test-reporter-destination=stdout',
    '--test-reporter=spec', '--test-reporter-destination=stderr',
    ...extra, ...files,
  ];
}

/**
 * The closing counts of node:test's TAP output; undefined when it has none (the run died, or the
 * output is not TAP), so a caller can count that as a failure instead of as zero tests.
 * A cancelled test (its file timed out or crashed) counts as failed.
 */
export function tapCounts(tap) {
  // eslint-disable-next-line no-control-regex
  const plain = tap.replace(/\u001b\[[0-9;]*m/g, '');
  const n = (key) => {
    const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(plain);
    return m ? Number(m[1]) : undefined;
  };
  const [tests, pass, fail] = [n('tests'), n('pass'), n('fail')];
  if (tests === undefined || pass === undefined || fail === undefined) return undefined;
  return { tests, passed: pass, failed: fail + (n('cancelled') ?? 0), skipped: n('skipped') ?? 0, todo: n('todo') ?? 0 };
}

/** Runs node:test on `files` with `node`; the spec report goes to our stderr as it comes (or nowhere: `stderr: 'ignore'`). */
export function runNodeTests(node, files, { extra = [], env = process.env, stderr = 'inherit' } = {}) {
  return new Promise((resolve, reject) => {
    let tap = '';
    const child = spawn(node, nodeTestArgs(files, extra), { stdio: ['ignore', 'pipe', stderr], env });
    child.stdout.on('data', (d) => { tap += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, counts: tapCounts(tap) }));
  });
}
