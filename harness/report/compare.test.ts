// report --compare is a gate: what the baseline ran and this run did not is a regression, unless
// excused by name; reports of different commands are not compared at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReports } from './compare.ts';
import { buildReport } from './write.ts';
import { sample, scenario } from './fixture.ts';
import { Report, upgradeReport } from '../schema/report.ts';
import config from '../../syncwright.config.ts';

const regressions = (base: Report, now: Report, allow: string[] = []) => compareReports(base, now, config.compare, allow).filter((d) => d.regression).map((d) => d.metric);

test('a scenario the baseline ran and this run did not is a regression, unless excused by name', () => {
  const base = sample();
  const now = buildReport({ ...base, scenarios: base.scenarios.slice(1) });
  assert.deepEqual(regressions(base, now), ['worker-transitions: not run']);
  assert.deepEqual(regressions(base, now, ['worker-transitions']), []);
  // Skipped is not run either.
  const skipped = buildReport({ ...base, scenarios: [{ ...base.scenarios[0]!, status: 'skipped' }, ...base.scenarios.slice(1)] });
  assert.deepEqual(regressions(base, skipped), ['worker-transitions: not run']);
});

test('a planted bug or a load result the baseline had and this run has not is a regression, unless excused', () => {
  const base = sample();
  const now = buildReport({ ...base, planted: [], load: [] });
  assert.deepEqual(regressions(base, now), ['planted bug queue-out-of-order: not run', 'load fanout (smoke): not run']);
  assert.deepEqual(regressions(base, now, ['queue-out-of-order', 'fanout']), []);
});

test('a seeded random run is the same scenario under another seed: present, and its status compared', () => {
  const title = (seed: number) => `random workload: 4 clients, server writers and faults converge with no anomaly (seed ${seed})`;
  const base = buildReport({ ...sample(), scenarios: [scenario(title(1), 'passed')] });
  const now = buildReport({ ...base, scenarios: [scenario(title(2), 'failed')] });
  assert.deepEqual(regressions(base, now), ['random workload: 4 clients, server writers and faults converge with no anomaly: status']);
});

test('throughputDrop fires when deliveries per CPU-second drop beyond it; the raw ws baseline server does not gate', () => {
  const base = sample();
  const metrics = base.load[0]!.metrics;
  const slower = buildReport({ ...base, load: [{ ...base.load[0]!, metrics: { ...metrics, deliveries_per_cpu_s: metrics.deliveries_per_cpu_s! * (1 - config.compare.throughputDrop) * 0.9 } }] });
  assert.deepEqual(regressions(base, slower), ['load fanout (smoke): deliveries_per_cpu_s']);
  const within = buildReport({ ...base, load: [{ ...base.load[0]!, metrics: { ...metrics, deliveries_per_cpu_s: metrics.deliveries_per_cpu_s! * (1 - config.compare.throughputDrop / 2) } }] });
  assert.deepEqual(regressions(base, within), []);
  const withRaw = buildReport({ ...base, load: [{ ...base.load[0]!, metrics: { ...metrics, raw_ws_lost: 0, raw_ws_p99_ms: 5 } }] });
  const rawWorse = buildReport({ ...base, load: [{ ...base.load[0]!, metrics: { ...metrics, raw_ws_lost: 9, raw_ws_p99_ms: 500 } }] });
  assert.deepEqual(regressions(withRaw, rawWorse), []);
});

test('reports of different kinds are refused, naming both kinds', () => {
  const conformance = sample();
  const load = buildReport({ ...conformance, kind: 'load', scenarios: [], planted: [] });
  const explore = buildReport({ ...conformance, kind: 'explore', planted: [], load: [] });
  assert.throws(() => compareReports(conformance, load, config.compare), /a load report .* with a conformance baseline/);
  assert.throws(() => compareReports(explore, conformance, config.compare), /a conformance report .* with an explore baseline/);
});

test('a report written before reports had a kind is read as the kind its shape shows', () => {
  const kind = (r: Report) => {
    const { kind: _, ...old } = structuredClone(r);
    return Report.parse(upgradeReport(old)).kind;
  };
  const base = sample();
  assert.equal(kind(base), 'conformance');
  assert.equal(kind(buildReport({ ...base, kind: 'load', scenarios: [], planted: [] })), 'load');
  assert.equal(kind(buildReport({ ...base, kind: 'explore', planted: [], load: [], scenarios: [{ ...base.scenarios[0]!, artifacts: { history: 'batch-0/histories/0.jsonl' } }] })), 'explore');
});
