import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { entities, obj, view } from './view.ts';
import { verdict } from './verdict.ts';

const NOTICE = { rename: 'conflict', delete: 'rejected' } as const;

/**
 * Last-write-wins, told: a rename or delete the server refused (409) is followed on that client by
 * its notification (`conflict` / `rejected`), every such notification answers a refusal, and the
 * client ends showing the server's version of the row, not the refused write.
 */
export function conflictRule(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  const anomalies: Anomaly[] = [];
  const db = new Map(entities(v.db).map((r) => [r.id, r]));
  for (const c of v.clients.values()) {
    const notices = new Map<string, number[]>();
    for (const o of c.observations) {
      if (o.testid !== 'notification' || o.event === 'removed' || (o.status !== 'conflict' && o.status !== 'rejected')) continue;
      const k = `${o.status}\0${o.id}`;
      const xs = notices.get(k);
      if (xs) xs.push(o.pos);
      else notices.set(k, [o.pos]);
    }
    const refusals = new Map<string, number>();
    const finals = new Map(entities(c.final).map((r) => [r.id, r]));
    const judged = new Set<string>();
    for (const f of c.fails) {
      if (f.e.value.status !== 409 || (f.m.kind !== 'rename' && f.m.kind !== 'delete')) continue;
      const k = `${NOTICE[f.m.kind]}\0${f.m.entityId}`;
      // Counted from the request, not the recorded response: the browser may render the notice before
      // the harness has logged the response it came from.
      const sent = f.m.pos;
      refusals.set(k, Math.min(refusals.get(k) ?? sent, sent));
      // Last-write-wins refusals carry the server's version; a 409 without it (a reused mutationId) is
      // another error, which the rule does not cover.
      if (!obj(f.e.value.current)) continue;
      const shown = notices.get(k);
      if (!shown || shown[shown.length - 1]! < sent) {
        anomalies.push({ kind: 'missing-notice', detail: `${c.name}: ${f.m.kind} of ${f.m.entityId} was refused (409) but no ${NOTICE[f.m.kind]} notification followed`, entries: [f.e.index] });
      }
      const mine = finals.get(f.m.entityId);
      const theirs = db.get(f.m.entityId);
      if (mine && theirs && c.final && v.db && !judged.has(f.m.entityId)) {
        judged.add(f.m.entityId);
        if (mine.name !== theirs.name || mine.updatedAt !== theirs.updatedAt) {
          anomalies.push({ kind: 'kept-refused-write', detail: `${c.name} ends showing ${f.m.entityId} as "${mine.name}" ${mine.updatedAt} after its ${f.m.kind} was refused; the server has "${theirs.name}" ${theirs.updatedAt}`, entries: [f.e.index, c.final.index, v.db.index] });
        }
      }
    }
    // A request whose answer never reached the harness (the page unloaded, the connection dropped) may
    // have been refused all the same: an unknown outcome explains a notice too, never a missing one.
    for (const m of c.mutations) {
      if ((m.kind !== 'rename' && m.kind !== 'delete') || m.acks.length || m.fails.length) continue;
      const k = `${NOTICE[m.kind]}\0${m.entityId}`;
      refusals.set(k, Math.min(refusals.get(k) ?? m.pos, m.pos));
    }
    for (const [k, xs] of notices) {
      // A notice is explained by a refused request sent before it; the earliest explains every later notice.
      const first = refusals.get(k);
      if (first !== undefined && xs[0]! > first) continue;
      const [status, id] = k.split('\0');
      anomalies.push({ kind: 'spurious-notice', detail: `${c.name} showed a ${status} notification for ${id} that no earlier refused (409) write explains`, entries: [v.entries[xs[0]!]!.index] });
    }
  }
  return verdict('conflict-rule', anomalies);
}
