import type { Anomaly, EntityState, HistoryEntry, Verdict } from '../../schema/history.ts';
import { entities, str, view } from './view.ts';
import { verdict } from './verdict.ts';

const show = (x: EntityState) => `${x.name}/${x.status}/${x.updatedAt}`;

/**
 * After heal and quiescence every client shows exactly the database's rows of the user it is signed
 * in as: the last final read of each client against the database's last one.
 */
export function convergence(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  if (!v.db) return { name: 'convergence', valid: 'unknown', anomalies: [{ kind: 'no-final-read', detail: 'the database was not read at the end', entries: [] }] };
  const db = v.db;
  const rows = entities(db);
  const anomalies: Anomaly[] = [];
  for (const c of v.clients.values()) {
    if (c.lastFinal && c.lastFinal.type !== 'ok') {
      // Never connected with an empty queue after heal: it did not converge in the time allowed.
      anomalies.push({ kind: 'not-quiesced', detail: `${c.name} did not quiesce for its final read: ${String(c.lastFinal.value.error ?? 'no outcome')}`, entries: [c.lastFinal.index] });
      continue;
    }
    if (!c.final) continue;
    const user = str(c.final.value.user) ?? c.user;
    // A row whose owner the database did not say is everyone's: a single-user run need not name it.
    const want = new Map(rows.filter((r) => !user || !r.userId || r.userId === user).map((r) => [r.id, r]));
    const have = new Map(entities(c.final).map((r) => [r.id, r]));
    const at = [c.final.index, db.index];
    for (const [id, w] of want) {
      const got = have.get(id);
      if (!got) anomalies.push({ kind: 'missing', detail: `${c.name} lacks ${id} (${w.name})`, entries: at });
      else if (got.name !== w.name || got.status !== w.status || got.updatedAt !== w.updatedAt) {
        anomalies.push({ kind: 'diverged', detail: `${c.name} shows ${id} as ${show(got)}, the database ${show(w)}`, entries: at });
      }
    }
    for (const [id, got] of have) {
      if (!want.has(id)) anomalies.push({ kind: 'phantom', detail: `${c.name} shows ${id} (${got.name}) that the database does not have${user ? ` for ${user}` : ''}`, entries: at });
    }
  }
  return verdict('convergence', anomalies);
}
