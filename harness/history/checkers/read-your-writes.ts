import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { UNSURE, lastBefore, obj, stamp, str, view } from './view.ts';
import { verdict } from './verdict.ts';
import { AUDIO_TESTIDS } from '../testids.ts';

const AUDIO: ReadonlySet<string> = new Set(AUDIO_TESTIDS);

/**
 * Once a client's own mutation of a row was acknowledged with version U, the client never shows that
 * row older than U again while signed in as the same user; showing U itself, it shows U's name,
 * unless the user renamed the row again since (an optimistic name shows on the old version).
 */
export function readYourWrites(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  const anomalies: Anomaly[] = [];
  for (const c of v.clients.values()) {
    const mine = new Map<string, { u: string; name?: string; user?: string; index: number; sent: number; flagged: boolean }>();
    const renamed = new Map<string, number[]>();
    const intentOf = new Map<string, number>();
    for (const i of c.intents) {
      if (i.op !== 'rename' || !i.entityId) continue;
      const xs = renamed.get(i.entityId);
      if (xs) xs.push(i.pos);
      else renamed.set(i.entityId, [i.pos]);
      if (i.name !== undefined) intentOf.set(`${i.entityId}\0${i.name}`, i.pos);
    }
    let k = 0;
    for (const o of c.observations) {
      for (; k < c.acks.length && c.acks[k]!.pos < o.pos; k++) {
        const a = c.acks[k]!;
        const row = obj(a.e.value.row);
        const u = str(row?.updatedAt);
        if (!row || !u || a.user === UNSURE) continue;
        const id = str(row.id) ?? a.m.entityId;
        const prev = mine.get(id);
        const s = stamp(u);
        // A queued rename is sent after the user may have renamed again: the name is the user's own
        // since the intent that made this mutation, not since it was sent.
        const since = Math.min(a.m.pos, intentOf.get(`${id}\0${str(row.name) ?? ''}`) ?? a.m.pos);
        if (!prev || prev.user !== a.user || s >= prev.u) mine.set(id, { u: s, name: str(row.name), user: a.user, index: a.e.index, sent: since, flagged: false });
      }
      if (!AUDIO.has(o.testid) || !o.updatedAt || o.event === 'removed' || o.user === UNSURE) continue;
      const w = mine.get(o.id);
      if (!w || w.flagged || w.user !== o.user) continue;
      const s = stamp(o.updatedAt);
      if (s < w.u) {
        w.flagged = true;
        anomalies.push({ kind: 'stale-own-write', detail: `${c.name} shows ${o.id} at ${o.updatedAt} after its own write was acknowledged at ${w.u}`, entries: [w.index, o.e.index] });
      } else if (s === w.u && o.name && w.name !== undefined && o.name !== w.name && !renamedSince(renamed.get(o.id), w.sent, o.pos)) {
        w.flagged = true;
        anomalies.push({ kind: 'wrong-name', detail: `${c.name} shows ${o.id} at its own version ${w.u} named "${o.name}", acknowledged as "${w.name}"`, entries: [w.index, o.e.index] });
      }
    }
  }
  return verdict('read-your-writes', anomalies);
}

function renamedSince(intents: number[] | undefined, from: number, to: number): boolean {
  if (!intents) return false;
  const k = lastBefore(intents, to);
  return k >= 0 && intents[k]! > from;
}
