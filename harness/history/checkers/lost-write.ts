import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { applied, entities, obj, stamp, str, view, type Client, type Intent, type Mutation } from './view.ts';
import { verdict } from './verdict.ts';

/**
 * Nothing the user was told happened, or asked for last, is lost:
 * (a) every acknowledged mutation is applied in the server's ledger (a replayed mutationId the server
 *     answered from its ledger says `deduplicated`);
 * (b) the last rename a user made of a file was sent (folding earlier offline renames into it is
 *     fine; dropping it is not), unless the user deleted the file afterwards or it is gone anyway;
 *     and, once sent, it was applied or refused: a send whose outcome the page never learnt (the
 *     link was down) must be sent again, by this page or another tab of its profile, unless the
 *     client never quiesced (convergence judges that).
 *     A rename the page never showed before its document ended, right after it (the tab closed or
 *     reloaded as the user pressed Enter), was never acknowledged: it may be lost, as a Jepsen
 *     `info` operation may or may not happen;
 * (c) an acknowledged rename is not undone: the database's final row is at least that version; an
 *     acknowledged delete is not undone either: the row is gone at the end unless created again.
 */
/** How soon after a rename its document may end unacknowledged for the rename to count as never made. */
const UNACKNOWLEDGED_MS = 1_000;

/**
 * Whether the user was told of a rename: the page showed its name, or the document stayed open
 * past UNACKNOWLEDGED_MS (an app that never shows it is judged as if it had).
 */
function acknowledged(c: Client, i: Intent): boolean {
  const at = Date.parse(i.e.wall);
  for (const o of c.observations) {
    if (o.pos <= i.pos) continue;
    if (o.id === i.entityId && o.name === i.name) return true;
    // The probe's first entry of a new document: the one the rename was made in has ended.
    if (o.testid === 'document' && o.event === 'added') return Date.parse(o.e.wall) - at > UNACKNOWLEDGED_MS;
  }
  return true;
}

export function noLostWrite(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  const anomalies: Anomaly[] = [];
  let unsure: string | undefined;

  const ok = new Set<string>();
  for (const r of v.ledger?.rows ?? []) if (applied(r)) ok.add(r.mutationId);
  for (const c of v.clients.values()) {
    for (const a of c.acks) {
      if (a.e.value.deduplicated === true) continue;
      if (!v.ledger) {
        unsure = 'acknowledged mutations, but no ledger was read';
        break;
      }
      if (!ok.has(a.m.id)) anomalies.push({ kind: 'lost', detail: `${c.name}: acknowledged ${a.m.kind} ${a.m.id} of ${a.m.entityId} is not applied in the server's ledger`, entries: [a.e.index, v.ledger.e.index] });
    }
  }

  const dbIds = new Set(entities(v.db).map((r) => r.id));
  for (const c of v.clients.values()) {
    const lastRename = new Map<string, Intent>();
    const lastDelete = new Map<string, number>();
    for (const i of c.intents) {
      if (!i.entityId) continue;
      if (i.op === 'rename') lastRename.set(i.entityId, i);
      else if (i.op === 'delete') lastDelete.set(i.entityId, i.pos);
    }
    const sent = new Map<string, Mutation[]>();
    for (const m of c.mutations) {
      if (m.kind !== 'rename') continue;
      const xs = sent.get(m.entityId);
      if (xs) xs.push(m);
      else sent.set(m.entityId, [m]);
    }
    for (const [entity, i] of lastRename) {
      if ((lastDelete.get(entity) ?? -1) > i.pos) continue;
      // Renamed as one account, then the profile signed in as another before it was sent: it is
      // parked in that account's queue until it signs in again, not lost.
      if (i.user !== c.user) continue;
      // A file deleted (by anyone) may be dropped from the queue with its renames: nothing is lost then.
      if (v.deletions.has(entity) || (v.db && !dbIds.has(entity))) continue;
      const xs = (sent.get(entity) ?? []).filter((m) => m.pos > i.pos && m.name === i.name);
      if (!acknowledged(c, i)) continue;
      if (!xs.length) {
        anomalies.push({ kind: 'unsent', detail: `${c.name}: the user's last rename of ${entity} to "${i.name}" was never sent`, entries: [i.e.index] });
      } else if (v.ledger && c.lastFinal?.type !== 'info' && !xs.some((m) => ok.has(m.id) || m.acks.length || m.fails.length)) {
        // Applied (the ledger), or answered to whichever tab sent it again: a Mutation is one per
        // mutationId, its acks and fails every client's. A refusal is the conflict rule's to judge.
        anomalies.push({
          kind: 'unapplied', detail: `${c.name}: the user's last rename of ${entity} to "${i.name}" was sent, its outcome unknown, and never applied or refused`,
          entries: [i.e.index, xs.at(-1)!.invoke.index, v.ledger.e.index],
        });
      }
    }
  }

  if (v.db) {
    const final = new Map(entities(v.db).map((r) => [r.id, r]));
    for (const c of v.clients.values()) {
      for (const a of c.acks) {
        if (a.m.kind === 'delete') {
          const now = final.get(a.m.entityId);
          const again = (v.creations.get(a.m.entityId) ?? []).some((p) => p > a.pos);
          if (now && !again) anomalies.push({ kind: 'undeleted', detail: `${c.name}: delete of ${a.m.entityId} was acknowledged, the database still holds it (${now.name})`, entries: [a.e.index, v.db.index] });
          continue;
        }
        if (a.m.kind !== 'rename') continue;
        const row = obj(a.e.value.row);
        const u = str(row?.updatedAt);
        const id = str(row?.id) ?? a.m.entityId;
        const now = final.get(id);
        if (u && now && stamp(now.updatedAt) < stamp(u)) {
          anomalies.push({ kind: 'rolled-back', detail: `${c.name}: rename of ${id} was acknowledged at ${u}, the database ends at the older ${now.updatedAt} (${now.name})`, entries: [a.e.index, v.db.index] });
        }
      }
    }
  }
  return verdict('no-lost-write', anomalies, unsure);
}
