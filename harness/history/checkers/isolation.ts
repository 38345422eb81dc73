import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { UNSURE, obj, str, view } from './view.ts';
import { verdict } from './verdict.ts';
import { ROW_TESTIDS } from '../testids.ts';
import { EVENTS } from '../../realtime/constants.ts';

const ROWS: ReadonlySet<string> = new Set(ROW_TESTIDS);

/**
 * A client sees only its signed-in user's rows: in the DOM, in realtime frames and in sync responses.
 * Owners are taken from every row in the history that names its userId (and writers' `user`); a row
 * of unknown owner, or a client not known to be signed in (or just switching accounts), is not judged.
 */
export function isolation(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  const anomalies: Anomaly[] = [];
  for (const c of v.clients.values()) {
    const flagged = new Set<string>();
    const flag = (kind: string, id: string, owner: string, user: string, index: number, how: string) => {
      const k = `${kind}\0${id}\0${user}`;
      if (flagged.has(k)) return;
      flagged.add(k);
      anomalies.push({ kind, detail: `${c.name}, signed in as ${user}, ${how} ${id} of ${owner}`, entries: [index] });
    };
    for (const o of c.observations) {
      if (!o.user || o.user === UNSURE || !ROWS.has(o.testid) || o.event === 'removed' || !o.id) continue;
      const owner = v.owners.get(o.id);
      if (owner && owner !== o.user) flag('foreign-row-shown', o.id, owner, o.user, o.e.index, `showed ${o.testid}`);
    }
    for (const r of c.receives) {
      const row = obj(r.e.value.row);
      // The recorder puts any table's user_id beside the frame; an audio row carries it in `row` too.
      const owner = str(row?.userId) ?? str(r.e.value.userId);
      if (!r.user || r.user === UNSURE || !owner || r.e.value.event !== EVENTS.postgresChanges || owner === r.user) continue;
      flag('foreign-row-received', String(row?.id ?? r.e.value.id ?? ''), owner, r.user, r.e.index, `received a ${String(r.e.value.table ?? '')} change of`);
    }
    for (const s of c.syncs) {
      if (!s.user || s.user === UNSURE) continue;
      const rows = Array.isArray(s.e.value.rows) ? s.e.value.rows : Object.values(obj(s.e.value.rows) ?? {}).flat();
      for (const x of rows) {
        const owner = str(obj(x)?.userId);
        if (owner && owner !== s.user) flag('foreign-row-received', String(obj(x)?.id ?? ''), owner, s.user, s.e.index, 'was sent by sync');
      }
    }
  }
  return verdict('isolation', anomalies);
}
