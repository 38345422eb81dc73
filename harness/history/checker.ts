import type { HistoryEntry, Verdict } from '../schema/history.ts';
import { compose, type CheckOptions, type Checker } from './checkers/verdict.ts';
import { convergence } from './checkers/convergence.ts';
import { noLostWrite } from './checkers/lost-write.ts';
import { noDoubleApply } from './checkers/double-apply.ts';
import { replayOrder } from './checkers/replay-order.ts';
import { readYourWrites } from './checkers/read-your-writes.ts';
import { monotonicReads } from './checkers/monotonic-reads.ts';
import { writesFollowReads } from './checkers/writes-follow-reads.ts';
import { noResurrection } from './checkers/resurrection.ts';
import { conflictRule } from './checkers/conflict-rule.ts';
import { isolation } from './checkers/isolation.ts';
import { latencyBudget } from './checkers/latency-budget.ts';
import { noChannelLeak } from './checkers/channel-leak.ts';
import { staleWhileConnected } from './checkers/staleness.ts';

export { checkSafe, mergeValid, compose, overall, type Checker, type CheckOptions, type Valid } from './checkers/verdict.ts';
export {
  convergence, noLostWrite, noDoubleApply, replayOrder, readYourWrites, monotonicReads, writesFollowReads,
  noResurrection, conflictRule, isolation, latencyBudget, noChannelLeak, staleWhileConnected,
};

/**
 * Every checker by the name its verdict carries: the planted-bug matrix names the checker that caught
 * each bug by these strings.
 */
const BY_NAME = {
  convergence,
  'no-lost-write': noLostWrite,
  'no-double-apply': noDoubleApply,
  'replay-order': replayOrder,
  'read-your-writes': readYourWrites,
  'monotonic-reads': monotonicReads,
  'writes-follow-reads': writesFollowReads,
  'no-resurrection': noResurrection,
  'conflict-rule': conflictRule,
  isolation,
  'latency-budget': latencyBudget,
  'no-channel-leak': noChannelLeak,
  'stale-while-connected': staleWhileConnected,
} satisfies Record<string, Checker>;

export type CheckerName = keyof typeof BY_NAME;
export const CHECKERS: Readonly<Record<CheckerName, Checker>> = BY_NAME;
export const CHECKER_NAMES = Object.keys(CHECKERS) as readonly CheckerName[];
export const isCheckerName = (s: string): s is CheckerName => (CHECKER_NAMES as readonly string[]).includes(s);

const all = compose(CHECKERS);

/** Every checker's verdict on one history; a checker that throws gives 'unknown', never an exception. */
export function checkAll(entries: readonly HistoryEntry[], opts?: CheckOptions): Verdict[] {
  return all(entries, opts);
}

/** Anomalies named per failed checker line: enough to see what broke without the verdicts file. */
const PER_LINE = 3;

/**
 * One line per checker that did not pass, starting `name: ` (the matrix and explore read the names
 * off a test's error this way), with its first anomalies.
 */
export function describeFailures(verdicts: readonly Verdict[]): string {
  return verdicts.filter((v) => v.valid !== true).map((v) => {
    const shown = v.anomalies.slice(0, PER_LINE).map((a) => `${a.kind}: ${a.detail}`).join('; ');
    const more = v.anomalies.length > PER_LINE ? ` (+${v.anomalies.length - PER_LINE} more)` : '';
    return `${v.name}: ${v.valid === 'unknown' ? 'unknown: ' : ''}${shown || 'no anomaly named'}${more}`;
  }).join('\n');
}

/** The checkers a failure message names, read back from describeFailures' `name: …` lines (an `Error: ` prefix allowed). */
export function failedCheckerNames(message: string): CheckerName[] {
  const named = [...message.matchAll(/^\s*(?:Error: )?([a-z][a-z-]+): /gm)].map((m) => m[1]!);
  return [...new Set(named)].filter(isCheckerName);
}
