// Synthetic reports for the report tests (harness/report, harness/cli): realistic shapes, no run needed.
import { buildReport, newRunId } from './write.ts';
import { summarize } from '../history/budget.ts';
import type { ScenarioResult } from '../schema/report.ts';
import config from '../../syncwright.config.ts';

/** Realistic synthetic latency: a log-normal-ish spread around ~40 ms with a tail. */
export function samples(n: number, scale: number, seed: number): number[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => Math.round(scale * Math.exp(rnd() * 1.5) * 100) / 100);
}

export function scenario(title: string, status: ScenarioResult['status'], lat?: number[]): ScenarioResult {
  return { id: title, title, file: `scenarios/${title}.spec.ts`, status, durationMs: 1234, retries: 0, verdicts: [{ name: 'convergence', valid: status === 'passed', anomalies: [] }],
    faults: [{ kind: 'cut', phase: 'start', client: 'c1' }], artifacts: {}, latency: lat ? { ...summarize(lat), samples: lat } : undefined,
    ...(status === 'failed' ? { error: 'expected </script><b>"conflict"</b> & more', timeline: [
      { t: 0.1, process: 'c1', type: 'invoke', f: 'rename', label: 'f1' }, { t: 0.2, process: 'nemesis', type: 'info', f: 'fault', label: 'cut' },
      { t: 0.9, process: 'nemesis', type: 'info', f: 'fault', label: 'cut' }, { t: 1.2, process: 'c1', type: 'fail', f: 'rename', label: 'f1' },
      { t: 1.3, process: 'c1', type: 'ok', f: 'notify', label: 'conflict' }] } : {}) };
}

export function sample(runId = newRunId()) {
  return buildReport({
    kind: 'conformance', runId, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), target: { kind: 'local' }, budget: config.latencyBudget,
    scenarios: [scenario('worker-transitions', 'passed', samples(120, 20, 1)), scenario('events-within-budget', 'passed', samples(80, 35, 2)), scenario('conflict', 'failed')],
    planted: [{ bug: 'queue-out-of-order', scenario: 'offline-queue', caught: true, detail: 'reordered', durationMs: 9000 }],
    load: [{ name: 'fanout', size: 'smoke', passed: true, metrics: { p99_ms: 40, lost: 0, deliveries_per_cpu_s: 1800 }, series: [{ t: 1, throughput: 1700, p50: 5, p95: 20, p99: 40 }, { t: 2, throughput: 1900, p50: 6, p95: 22, p99: 45 }],
      resources: [{ t: 1, rssMb: 90, cpuPct: 40 }, { t: 2, rssMb: 95, cpuPct: 55 }] }],
  });
}

/**
 * A run shaped like a real `syncwright run`: 20 scenarios with latency and long titles, and a random
 * run whose nemesis cut two clients 12 times each (start and end per client, two links each).
 */
export function realistic(runId = newRunId()) {
  const base = sample(runId);
  const long = Array.from({ length: 20 }, (_, i) => scenario(`scenario ${i}: a rename on one client reaches every other open client within the budget`, 'passed', samples(60, 20 + i, i + 3)));
  const random = scenario('random workload: 4 clients, server writers and faults converge with no anomaly (seed 9100)', 'failed');
  random.faults = [];
  random.timeline = [...random.timeline!];
  for (let k = 0; k < 12; k++) {
    for (const client of ['c1', 'c2']) {
      const t = 1000 + k * 2000;
      random.faults.push({ kind: 'cut', phase: 'start', time: t, client }, { kind: 'cut', phase: 'start', time: t + 1, client });
      random.faults.push({ kind: 'cut', phase: 'end', time: t + 500, client }, { kind: 'cut', phase: 'end', time: t + 501, client });
      random.timeline.push({ t: t / 1000, process: 'nemesis', type: 'info', f: 'fault', label: 'cut' }, { t: (t + 500) / 1000, process: 'nemesis', type: 'info', f: 'fault', label: 'cut' });
    }
  }
  random.faults.push({ kind: 'clock-skew', phase: 'start', time: 3000, client: 'c3' });
  random.artifacts = { trace: 'traces/22.zip', history: 'histories/22.jsonl' };
  return buildReport({ ...base, scenarios: [...long, ...base.scenarios, random] });
}
