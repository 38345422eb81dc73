import type { Report } from '../schema/report.ts';
import type { SyncwrightConfig } from '../../syncwright.config.ts';

export interface Delta { metric: string; base: number | string; now: number | string; regression: boolean }

/** Per-metric deltas of a run against a baseline; a regression is judged by the config's budgets. */
export function compareReports(base: Report, now: Report, cfg: SyncwrightConfig['compare']): Delta[] {
  const out: Delta[] = [];
  const grew = (a: number, b: number) => b > a * (1 + cfg.latencyGrowth) && b - a > cfg.latencySlackMs;
  for (const s of now.scenarios) {
    const b = base.scenarios.find((x) => x.title === s.title);
    if (!b) continue;
    if (b.status !== s.status) out.push({ metric: `${s.title}: status`, base: b.status, now: s.status, regression: cfg.newFailures && b.status === 'passed' && s.status === 'failed' });
    for (const p of ['p50', 'p95', 'p99'] as const) {
      if (b.latency && s.latency) out.push({ metric: `${s.title}: ${p} ms`, base: b.latency[p], now: s.latency[p], regression: grew(b.latency[p], s.latency[p]) });
    }
  }
  for (const m of now.planted) {
    const b = base.planted.find((x) => x.bug === m.bug);
    if (b && b.caught !== m.caught) out.push({ metric: `planted bug ${m.bug}`, base: b.caught ? 'caught' : 'missed', now: m.caught ? 'caught' : 'missed', regression: cfg.newMisses && !m.caught });
  }
  for (const l of now.load) {
    const b = base.load.find((x) => x.name === l.name && x.size === l.size);
    if (!b) continue;
    for (const [k, v] of Object.entries(l.metrics)) {
      const bv = b.metrics[k];
      if (bv === undefined) continue;
      const regression = k.includes('throughput') ? v < bv * (1 - cfg.throughputDrop) : k.includes('lost') ? v > bv : k.includes('p99') ? grew(bv, v) : false;
      out.push({ metric: `load ${l.name}: ${k}`, base: bv, now: v, regression });
    }
  }
  out.push({ metric: 'passed scenarios', base: base.summary.passed, now: now.summary.passed, regression: false });
  return out;
}
