import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { budgetOr, p95Over, summarize } from '../budget.ts';
import { steadyByClient } from '../steady.ts';
import { verdict, type CheckOptions } from './verdict.ts';

/** Entries named per anomaly: the slowest sightings say where to look. */
const SHOW = 10;

/**
 * Steady-state commit → DOM latency (see steady.ts) of every client together stays within the budget:
 * p95 (from MIN_P95_SAMPLES samples) and max. A run with no steady-state samples has nothing to hold to it and passes.
 */
export function latencyBudget(h: readonly HistoryEntry[], opts: CheckOptions = {}): Verdict {
  const budget = budgetOr(opts.budget);
  const samples = Object.values(steadyByClient(h, opts.graceMs)).flat();
  if (!samples.length) return verdict('latency-budget', []);
  const s = summarize(samples.map((x) => x.ms));
  const slowest = (over: number) => samples.filter((x) => x.ms > over && x.index !== undefined).sort((a, b) => b.ms - a.ms).slice(0, SHOW).map((x) => x.index!);
  const anomalies: Anomaly[] = [];
  if (p95Over(s, budget)) anomalies.push({ kind: 'p95-over-budget', detail: `p95 ${s.p95} ms over the ${budget.p95} ms budget (${s.count} samples)`, entries: slowest(budget.p95) });
  if (s.max > budget.max) anomalies.push({ kind: 'max-over-budget', detail: `max ${s.max} ms over the ${budget.max} ms budget (${s.count} samples)`, entries: slowest(budget.max) });
  return verdict('latency-budget', anomalies);
}
