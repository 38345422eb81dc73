import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { ties } from './intents.ts';
import { lastBefore, stamp, str, view } from './view.ts';
import { verdict } from './verdict.ts';
import { AUDIO_TESTIDS } from '../testids.ts';

const AUDIO: ReadonlySet<string> = new Set(AUDIO_TESTIDS);

/**
 * A rename or delete says which version it was based on (`baseUpdatedAt`); that must be no older than
 * the newest version the client had shown of the row when the user acted (the tied ui intent, else
 * the request). Basing a write on a version older than one the user saw writes over what they saw.
 */
export function writesFollowReads(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  const n = v.entries.length + 1;
  const anomalies: Anomaly[] = [];
  for (const c of v.clients.values()) {
    // Per row: where it was shown, and the newest version shown up to there.
    const seen = new Map<string, { pos: number[]; newest: string[]; index: number[] }>();
    for (const o of c.observations) {
      if (!AUDIO.has(o.testid) || !o.updatedAt || o.event === 'removed') continue;
      let r = seen.get(o.id);
      if (!r) seen.set(o.id, (r = { pos: [], newest: [], index: [] }));
      const s = stamp(o.updatedAt);
      const last = r.newest.length - 1;
      if (last >= 0 && r.newest[last]! >= s) {
        r.pos.push(o.pos); r.newest.push(r.newest[last]!); r.index.push(r.index[last]!);
      } else {
        r.pos.push(o.pos); r.newest.push(s); r.index.push(o.e.index);
      }
    }
    const t = ties(c, n);
    for (const m of c.mutations) {
      if (m.kind !== 'rename' && m.kind !== 'delete') continue;
      const base = str(m.invoke.value.baseUpdatedAt);
      if (base === undefined) {
        anomalies.push({ kind: 'missing-base', detail: `${c.name}: ${m.kind} ${m.id} of ${m.entityId} carries no baseUpdatedAt`, entries: [m.invoke.index] });
        continue;
      }
      const r = seen.get(m.entityId);
      if (!r) continue;
      const intent = t.get(m.id)?.intent;
      const k = lastBefore(r.pos, intent?.pos ?? m.pos);
      if (k < 0) continue;
      if (stamp(base) < r.newest[k]!) {
        anomalies.push({
          kind: 'stale-base',
          detail: `${c.name}: ${m.kind} of ${m.entityId} is based on ${base || '(none)'}, but the client had shown ${r.newest[k]} before the user acted`,
          entries: [r.index[k]!, ...(intent ? [intent.e.index] : []), m.invoke.index],
        });
      }
    }
  }
  return verdict('writes-follow-reads', anomalies);
}
