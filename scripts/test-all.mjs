#!/usr/bin/env node
// `npm test`: unit and integration tests (node:test), browser scenarios (Playwright), the planted-bug
// matrix, k6 load smokes and the proof that their gates fail on planted bugs. Runs every stage even after a failure, then prints one closing count for all of them.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

function testFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const unit = ['harness', 'reference', 'fixtures', 'k6'].flatMap((d) => { try { return testFiles(d); } catch { return []; } }).sort();
const stages = [
  { name: 'unit and integration', cmd: [process.execPath, '--import', 'tsx', '--test', '--test-concurrency=2', ...unit], kind: 'node' },
  { name: 'browser scenarios', cmd: [process.execPath, 'node_modules/@playwright/test/cli.js', 'test'], kind: 'playwright' },
  { name: 'planted-bug matrix', cmd: [process.execPath, '--import', 'tsx', '--test', 'harness/conformance/matrix.e2e.ts'], kind: 'node' },
  { name: 'load smoke (k6 fanout)', cmd: [process.execPath, 'bin/syncwright.mjs', 'load', 'fanout', '--own-stack'], kind: 'gate' },
  { name: 'load smoke (k6 throttle)', cmd: [process.execPath, 'bin/syncwright.mjs', 'load', 'throttle', '--own-stack'], kind: 'gate' },
  { name: 'load gates catch planted bugs', cmd: [process.execPath, '--import', 'tsx', '--test', 'harness/load/gates.e2e.ts'], kind: 'node' },
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

for (const stage of stages.filter((s) => !only.length || only.some((o) => s.name.includes(o)))) {
  process.stdout.write(`\n=== ${stage.name} ===\n`);
  if (stage.kind === 'playwright') rmSync(results, { force: true });
  const { output, code } = await new Promise((resolve) => {
    let text = '';
    const child = spawn(stage.cmd[0], stage.cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => { text += d; process.stdout.write(d); });
    child.once('exit', (c) => { if (c !== 0) exit = 1; resolve({ output: text, code: c }); });
  });
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  if (stage.kind === 'node') {
    passed += Number(/^# pass (\d+)/m.exec(plain)?.[1] ?? 0);
    failed += Number(/^# fail (\d+)/m.exec(plain)?.[1] ?? 0);
  } else if (stage.kind === 'gate') {
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
