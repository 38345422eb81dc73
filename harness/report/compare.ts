import type { Report, ScenarioResult } from '../schema/report.ts';
import type { SyncwrightConfig } from '../../syncwright.config.ts';

/** `excused`: not run, and named by --allow-missing. */
export interface Delta { metric: string; base: number | string; now: number | string; regression: boolean; excused?: boolean }

/**
 * Load metrics that gate, and which way is worse; the others are shown, not judged. The raw ws
 * server's (raw_ws_*) measure the baseline server the report compares ours with, not ours.
 */
const LOAD_GATES: Record<string, 'throughput' | 'loss' | 'latency'> = {
  deliveries_per_cpu_s: 'throughput', lost: 'loss', polite_lost: 'loss', watchers_lost: 'loss', p99_ms: 'latency',
};

/** A seeded random run's title ends in its seed, which each `run` and `explore` draws anew: the scenario is the rest. */
export const scenarioName = (title: string) => title.replace(/ \(seed \d+\)$/, '');

const article = (kind: string) => (/^[aeiou]/.test(kind) ? 'an' : 'a');

/** Only reports of one command compare: a load run has no scenarios to lose, an explore run no planted bugs. */
export function assertComparable(base: Report, now: Report): void {
  if (base.kind !== now.kind) {
    throw new Error(`cannot compare ${article(now.kind)} ${now.kind} report (${now.runId}) with ${article(base.kind)} ${base.kind} baseline (${base.runId}); compare runs of the same command`);
  }
}

/** The names `--allow-missing` may excuse in a baseline: its scenarios (with and without seed), planted bugs and load scripts. */
export function baselineNames(base: Report): Set<string> {
  return new Set([...base.scenarios.flatMap((s) => [s.title, scenarioName(s.title)]), ...base.planted.map((m) => m.bug), ...base.load.map((l) => l.name)]);
}

const RANK: Record<ScenarioResult['status'], number> = { skipped: 0, passed: 1, flaky: 2, failed: 3 };

/** The worst status of the runs of one scenario (explore runs one scenario under many seeds). */
function statusOf(runs: ScenarioResult[]): ScenarioResult['status'] {
  return runs.reduce<ScenarioResult['status']>((w, s) => (RANK[s.status] > RANK[w] ? s.status : w), 'skipped');
}

function byName(scenarios: ScenarioResult[]): Map<string, ScenarioResult[]> {
  const out = new Map<string, ScenarioResult[]>();
  for (const s of scenarios) {
    const name = scenarioName(s.title);
    out.set(name, [...(out.get(name) ?? []), s]);
  }
  return out;
}

/**
 * Per-metric deltas of a run against a baseline of the same kind; a regression is judged by the
 * config's budgets. What the baseline ran and this run did not (a scenario, skipped or absent; a
 * planted bug; a load script at a size) is a regression unless `allowMissing` names it: a run that
 * did less cannot pass for one that did as well.
 */
export function compareReports(base: Report, now: Report, cfg: SyncwrightConfig['compare'], allowMissing: readonly string[] = []): Delta[] {
  assertComparable(base, now);
  const allowed = new Set(allowMissing);
  const out: Delta[] = [];
  const missing = (metric: string, was: string, ...names: string[]) => {
    const excused = names.some((n) => allowed.has(n));
    out.push({ metric: `${metric}: not run`, base: was, now: excused ? 'not run (allowed)' : 'not run', regression: !excused, ...(excused ? { excused } : {}) });
  };
  const grew = (a: number, b: number) => b > a * (1 + cfg.latencyGrowth) && b - a > cfg.latencySlackMs;

  const nowByName = byName(now.scenarios);
  for (const [name, runs] of byName(base.scenarios)) {
    const b = statusOf(runs);
    const n = statusOf(nowByName.get(name) ?? []);
    if (b === 'skipped') continue;
    if (n === 'skipped') {
      missing(name, b, name, ...runs.map((s) => s.title));
      continue;
    }
    if (b !== n) out.push({ metric: `${name}: status`, base: b, now: n, regression: cfg.newFailures && b === 'passed' && n === 'failed' });
  }
  // Latency compares only a run with the same title: another seed is another workload.
  for (const s of now.scenarios) {
    const b = base.scenarios.find((x) => x.title === s.title);
    if (!b?.latency || !s.latency) continue;
    for (const p of ['p50', 'p95', 'p99'] as const) out.push({ metric: `${s.title}: ${p} ms`, base: b.latency[p], now: s.latency[p], regression: grew(b.latency[p], s.latency[p]) });
  }

  for (const b of base.planted) {
    const m = now.planted.find((x) => x.bug === b.bug);
    if (!m) missing(`planted bug ${b.bug}`, b.caught ? 'caught' : 'missed', b.bug);
    else if (b.caught !== m.caught) out.push({ metric: `planted bug ${m.bug}`, base: b.caught ? 'caught' : 'missed', now: m.caught ? 'caught' : 'missed', regression: cfg.newMisses && !m.caught });
  }

  for (const b of base.load) {
    const l = now.load.find((x) => x.name === b.name && x.size === b.size);
    if (!l) {
      missing(`load ${b.name} (${b.size})`, b.passed ? 'passed' : 'failed', b.name);
      continue;
    }
    for (const [k, v] of Object.entries(l.metrics)) {
      const bv = b.metrics[k];
      if (bv === undefined) continue;
      const gate = LOAD_GATES[k];
      const regression = gate === 'throughput' ? v < bv * (1 - cfg.throughputDrop) : gate === 'loss' ? v > bv : gate === 'latency' ? grew(bv, v) : false;
      out.push({ metric: `load ${l.name} (${l.size}): ${k}`, base: bv, now: v, regression });
    }
  }
  out.push({ metric: 'passed scenarios', base: base.summary.passed, now: now.summary.passed, regression: false });
  out.push({ metric: 'planted bugs caught', base: base.summary.plantedCaught, now: now.summary.plantedCaught, regression: false });
  return out;
}
