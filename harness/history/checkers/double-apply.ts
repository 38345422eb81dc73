import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { applied, view } from './view.ts';
import { verdict } from './verdict.ts';

/**
 * Every user action takes effect at most once: no mutationId applied twice, no file created or its
 * bytes uploaded twice, and no client has more renames / deletes / retries of a file applied than
 * its user made. The last catches a client that re-sends after a lost response under a fresh
 * mutationId, which the server cannot recognise as a replay.
 */
export function noDoubleApply(h: readonly HistoryEntry[]): Verdict {
  const v = view(h);
  if (!v.ledger) return verdict('no-double-apply', [], v.mutations.size ? 'no ledger was read' : undefined);
  const ledger = v.ledger;
  const anomalies: Anomaly[] = [];
  const at = [ledger.e.index];
  const seen = new Set<string>();
  const once = new Map<string, number>();
  const perClient = new Map<string, { n: number; client: string; kind: string; entity: string }>();
  for (const r of ledger.rows) {
    if (!applied(r)) continue;
    if (seen.has(r.mutationId)) {
      anomalies.push({ kind: 'double-apply', detail: `mutation ${r.mutationId} (${r.kind} of ${r.entityId}) applied twice`, entries: at });
      continue;
    }
    seen.add(r.mutationId);
    if (r.kind === 'create' || r.kind === 'upload') {
      const k = `${r.kind}\0${r.entityId}`;
      const n = (once.get(k) ?? 0) + 1;
      once.set(k, n);
      if (n === 2) anomalies.push({ kind: 'double-create', detail: `${r.kind} of ${r.entityId} applied more than once`, entries: at });
      continue;
    }
    const m = v.mutations.get(r.mutationId);
    if (!m) continue;
    const k = `${m.client}\0${r.kind}\0${r.entityId}`;
    const x = perClient.get(k);
    if (x) x.n++;
    else perClient.set(k, { n: 1, client: m.client, kind: r.kind, entity: r.entityId });
  }
  const intents = new Map<string, number>();
  for (const c of v.clients.values()) {
    for (const i of c.intents) {
      if (i.entityId) intents.set(`${c.name}\0${i.op}\0${i.entityId}`, (intents.get(`${c.name}\0${i.op}\0${i.entityId}`) ?? 0) + 1);
    }
  }
  for (const [k, x] of perClient) {
    // A client whose UI actions were not recorded cannot be held to them.
    if (!v.clients.get(x.client)?.intents.length) continue;
    const made = intents.get(k) ?? 0;
    if (x.n > made) anomalies.push({ kind: 'resent', detail: `${x.client}: ${x.n} ${x.kind}s of ${x.entity} applied, the user made ${made}`, entries: at });
  }
  return verdict('no-double-apply', anomalies);
}
