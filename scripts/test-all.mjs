#!/usr/bin/env node
// `npm test`: unit and integration tests (node:test), browser scenarios (Playwright), the planted-bug
// matrix, k6 load smokes, the proof that their gates fail on planted bugs and a load run against a
// stack known only by its URLs. Runs every stage even after a failure, then prints one closing count for all of them.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { runNodeTests } from './node-tests.mjs';

function testFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const unit = ['harness', 'reference', 'fixtures', 'k6', 'scripts'].flatMap((d) => { try { return testFiles(d); } catch { return []; } }).sort();
const stages = [
  { name: 'unit and integration', files: unit, extra: ['--test-concurrency=2'], kind: 'node' },
  { name: 'browser scenarios', cmd: [process.execPath, 'node_modules/@playwright/test/cli.js', 'test'], kind: 'playwright' },
  { name: 'planted-bug matrix', files: ['harness/conformance/matrix.e2e.ts'], kind: 'node' },
  { name: 'load smoke (k6 fanout)', cmd: [process.execPath, 'bin/syncwright.mjs', 'load', 'fanout', '--own-stack'], kind: 'gate' },
  { name: 'load smoke (k6 throttle)', cmd: [process.execPath, 'bin/syncwright.mjs', 'load', 'throttle', '--own-stack'], kind: 'gate' },
  { name: 'load gates catch planted bugs', files: ['harness/load/gates.e2e.ts'], kind: 'node' },
  { name: 'load against an external target', files: ['harness/load/external.e2e.ts'], kind: 'node' },
];
const only = process.argv.slice(2);
// The tests replay one workload seed, so a red run can be replayed as is; `syncwright run` and
// `explore` draw new seeds (SYNCWRIGHT_SEED overrides both).
process.env.SYNCWRIGHT_SEED ??= '1';
// The load smokes write reports like `syncwright load` does; keep them (and their `latest` link) out of
// reports/, whose `latest` is the user's last run, load or explore (harness/report/write.ts, reportsRoot).
process.env.SYNCWRIGHT_REPORTS_ROOT = path.resolve('test-results', 'reports');

let passed = 0;
let failed = 0;
let exit = 0;
// Where our Playwright reporter (harness/conformance/reporter.ts) writes the run's results and their counts.
const results = path.resolve(process.env.SYNCWRIGHT_REPORT_DIR ?? 'test-results', 'results.json');

process.stdout.write(`node ${process.version} (${process.execPath})\n`);
for (const stage of stages.filter((s) => !only.length || only.some((o) => s.name.includes(o)))) {
  process.stdout.write(`\n=== ${stage.name} ===\n`);
  if (stage.kind === 'node') {
    // node:test's own count, read from its TAP (scripts/node-tests.mjs); its spec report is on stderr.
    const { code, counts } = await runNodeTests(process.execPath, stage.files, { extra: stage.extra });
    if (code !== 0) exit = 1;
    if (counts) {
      passed += counts.passed;
      failed += counts.failed;
    } else {
      // No closing count: the run died, or the TAP was not there. Never count that as zero tests.
      console.error(`${stage.name}: node:test printed no closing count (exit ${code}); counted as one failure`);
      failed++;
    }
    continue;
  }
  if (stage.kind === 'playwright') rmSync(results, { force: true });
  const code = await new Promise((resolve) => {
    // Piped, not inherited: Playwright and k6 keep writing as they do when not on a terminal.
    const child = spawn(stage.cmd[0], stage.cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => process.stdout.write(d));
    child.once('exit', (c) => { if (c !== 0) exit = 1; resolve(c); });
  });
  if (stage.kind === 'gate') {
    if (code === 0) passed++;
    else failed++;
  } else if (existsSync(results)) {
    // The counts the reporter computed (a flaky scenario counts as failed); without them the exit code says it.
    const { summary } = JSON.parse(readFileSync(results, 'utf8'));
    passed += summary.passed;
    failed += summary.failed + summary.flaky;
  }
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(exit || (failed ? 1 : 0));
