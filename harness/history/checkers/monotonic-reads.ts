import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { UNSURE, stamp, view } from './view.ts';
import { verdict } from './verdict.ts';
import type { VersionedTestid } from '../testids.ts';

/** A row's list entry and its detail view show the same versions; runs and usage are other things. Every versioned view has a group. */
const GROUP: Record<string, string> = { 'audio-row': 'audio', 'audio-detail': 'audio', 'run-row': 'run', 'usage-panel': 'usage' } satisfies Record<VersionedTestid, string>;

/**
 * Per client and signed-in user, a row's shown version never goes back, across documents too: a
 * reload must not show an older cached version than one already shown.
 */
export function monotonicReads(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  const anomalies: Anomaly[] = [];
  for (const c of v.clients.values()) {
    const newest = new Map<string, { s: string; raw: string; index: number; flagged: boolean }>();
    for (const o of c.observations) {
      const g = GROUP[o.testid];
      if (!g || !o.updatedAt || o.event === 'removed' || o.user === UNSURE) continue;
      const key = `${o.user ?? ''}\0${g}\0${o.id}`;
      const s = stamp(o.updatedAt);
      const prev = newest.get(key);
      if (!prev || s > prev.s) newest.set(key, { s, raw: o.updatedAt, index: o.e.index, flagged: false });
      else if (s < prev.s && !prev.flagged) {
        prev.flagged = true;
        anomalies.push({ kind: 'stale-read', detail: `${c.name} showed ${o.testid} ${o.id} at ${o.updatedAt} after ${prev.raw}`, entries: [prev.index, o.e.index] });
      }
    }
  }
  return verdict('monotonic-reads', anomalies);
}
