// Latency samples summarised, and held to a budget: the one passed, else syncwright.config.ts's.
import * as hdr from 'hdr-histogram-js';
import config, { type SyncwrightConfig } from '../../syncwright.config.ts';

export interface LatencySummary { count: number; p50: number; p95: number; p99: number; max: number; mean: number }
export type Budget = SyncwrightConfig['latencyBudget'];

/** `b`, or the config's budget: read at each call, so nothing keeps a copy of its own. */
export function budgetOr(b?: Budget): Budget {
  return b ?? config.latencyBudget;
}

export function summarize(samplesMs: number[]): LatencySummary {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  // Recorded in µs: sub-millisecond deliveries are common on loopback. Clock skew can make one negative.
  for (const ms of samplesMs) h.recordValue(Math.max(1, Math.round(ms * 1000)));
  // The exact max, and percentiles never above it (a bucket's upper edge can be).
  const max = samplesMs.length ? Math.round(samplesMs.reduce((m, x) => Math.max(m, x, 0.001), 0) * 1000) / 1000 : 0;
  const at = (p: number) => Math.min(max, Math.round(h.getValueAtPercentile(p)) / 1000);
  return { count: samplesMs.length, p50: at(50), p95: at(95), p99: at(99), max, mean: Math.round(h.mean) / 1000 };
}

/**
 * Below this many samples a 95th percentile is the maximum itself (nearest rank), so such samples are
 * held to the max budget only: a p95 of one sample would demand that every change beat the p95
 * budget, tighter than the plan's "about 1–2 s".
 */
export const MIN_P95_SAMPLES = 20;

/** Whether the summary's p95 is over the budget's, where it has samples enough to have one. */
export function p95Over(s: LatencySummary, b: Budget): boolean {
  return s.count >= MIN_P95_SAMPLES && s.p95 > b.p95;
}

export function withinBudget(s: LatencySummary, budget?: Budget): { ok: boolean; why: string } {
  const b = budgetOr(budget);
  if (s.count === 0) return { ok: false, why: 'no latency samples' };
  if (p95Over(s, b)) return { ok: false, why: `p95 ${s.p95} ms over the ${b.p95} ms budget` };
  if (s.max > b.max) return { ok: false, why: `max ${s.max} ms over the ${b.max} ms budget` };
  return { ok: true, why: `p95 ${s.p95} ms, max ${s.max} ms` };
}
