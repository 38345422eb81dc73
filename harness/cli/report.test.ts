// `syncwright report --compare` as CI runs it: each refusal is one line and a non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport } from '../report/write.ts';
import { sample } from '../report/fixture.ts';
import type { Report } from '../schema/report.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/syncwright.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

async function files(reports: Record<string, Report>): Promise<Record<string, string>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-compare-'));
  const out: Record<string, string> = {};
  for (const [name, r] of Object.entries(reports)) {
    out[name] = path.join(dir, `${name}.json`);
    await writeFile(out[name], JSON.stringify(r));
  }
  return out;
}

const passing = () => {
  const r = sample();
  return buildReport({ ...r, scenarios: r.scenarios.filter((s) => s.status === 'passed') });
};

test('report --compare refuses a report of another kind in one line naming both kinds, exit non-zero', async () => {
  const base = passing();
  const f = await files({ base, load: buildReport({ ...base, kind: 'load', scenarios: [], planted: [] }) });
  const r = cli('report', f.load!, '--compare', f.base!);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot compare a load report .* with a conformance baseline/);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('report --compare fails on a scenario or planted bug the baseline ran and this run did not, unless --allow-missing names it', async () => {
  const base = passing();
  const f = await files({
    base, same: base,
    fewer: buildReport({ ...base, scenarios: base.scenarios.slice(1) }),
    noMatrix: buildReport({ ...base, planted: [] }),
  });
  assert.equal(cli('report', f.same!, '--compare', f.base!).status, 0, 'identical runs pass');
  const fewer = cli('report', f.fewer!, '--compare', f.base!);
  assert.equal(fewer.status, 1);
  assert.match(fewer.stdout, /REGRESSION\s+worker-transitions: not run/);
  const noMatrix = cli('report', f.noMatrix!, '--compare', f.base!);
  assert.equal(noMatrix.status, 1);
  assert.match(noMatrix.stdout, /REGRESSION\s+planted bug queue-out-of-order: not run/);
  assert.equal(cli('report', f.fewer!, '--compare', f.base!, '--allow-missing', 'worker-transitions').status, 0);
  assert.equal(cli('report', f.noMatrix!, '--compare', f.base!, '--allow-missing', 'queue-out-of-order').status, 0);
});

test('report --allow-missing refuses a name the baseline does not have (a typo would excuse nothing), exit 2', async () => {
  const base = passing();
  const f = await files({ base });
  const r = cli('report', f.base!, '--compare', f.base!, '--allow-missing', 'worker-transitons');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--allow-missing 'worker-transitons' names nothing in the baseline/);
  assert.match(cli('report', '--help').stdout, /--allow-missing/);
});
