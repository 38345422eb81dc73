import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import type { Budget } from '../budget.ts';

export interface CheckOptions {
  /** latency-budget, no-resurrection: the steady-state budget (default: syncwright.config.ts `latencyBudget`). */
  budget?: Budget;
  /** latency-budget: how long after a fault ends its commits still do not count as steady state. */
  graceMs?: number;
}

/** A checker is a pure function of the history: the same entries always give the same verdict. */
export type Checker = (h: readonly HistoryEntry[], opts?: CheckOptions) => Verdict;
export type Valid = Verdict['valid'];

/** A failing run can flag the same fault thousands of times; the first ones say what it is. */
const MAX_ANOMALIES = 100;

export function verdict(name: string, anomalies: Anomaly[], unsure?: string): Verdict {
  if (anomalies.length > MAX_ANOMALIES) {
    const more = anomalies.length - MAX_ANOMALIES;
    anomalies = [...anomalies.slice(0, MAX_ANOMALIES), { kind: 'truncated', detail: `${more} more anomalies left out`, entries: [] }];
  }
  if (anomalies.length) return { name, valid: false, anomalies };
  // Nothing wrong was found, but a part of the check could not run (say, no ledger was read).
  if (unsure) return { name, valid: 'unknown', anomalies: [{ kind: 'unchecked', detail: unsure, entries: [] }] };
  return { name, valid: true, anomalies: [] };
}

/** Jepsen's check-safe: a checker that throws has not shown the history wrong, so the verdict is unknown. */
export function checkSafe(name: string, run: () => Verdict): Verdict {
  try {
    return run();
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { name, valid: 'unknown', anomalies: [{ kind: 'exception', detail, entries: [] }] };
  }
}

const RANK = new Map<Valid, number>([[true, 0], ['unknown', 1], [false, 2]]);

/** Jepsen's merge-valid: false beats 'unknown' beats true. */
export function mergeValid(a: Valid, b: Valid): Valid {
  return RANK.get(a)! >= RANK.get(b)! ? a : b;
}

/** The run's overall validity from its verdicts (true for none). */
export function overall(verdicts: readonly Verdict[]): Valid {
  return verdicts.reduce<Valid>((v, x) => mergeValid(v, x.valid), true);
}

/** Jepsen's compose: run every checker safely over one history, one verdict each, in the record's order. */
export function compose(checkers: Readonly<Record<string, Checker>>): (h: readonly HistoryEntry[], opts?: CheckOptions) => Verdict[] {
  return (h, opts) => Object.entries(checkers).map(([name, check]) => checkSafe(name, () => ({ ...check(h, opts), name })));
}
