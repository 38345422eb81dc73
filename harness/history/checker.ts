import type { HistoryEntry, Verdict, EntityState } from '../schema/history.ts';

type V = Verdict;
const verdict = (name: string, anomalies: V['anomalies']): V => ({ name, valid: anomalies.length === 0, anomalies });

const MUTATIONS = new Set(['create', 'upload', 'rename', 'delete', 'retry']);

/** The last final read of each process: a history may hold several rounds (seeded random runs). */
function finalReads(h: HistoryEntry[]): { db?: HistoryEntry; clients: HistoryEntry[] } {
  const last = new Map<string, HistoryEntry>();
  for (const e of h) if (e.f === 'final-read' && e.type === 'ok') last.set(e.process, e);
  return { db: last.get('db'), clients: [...last.values()].filter((e) => e.process !== 'db') };
}

const entities = (e: HistoryEntry) => (e.value.entities ?? []) as EntityState[];

/** After heal, every client shows exactly the database's rows (ids, status, name, updatedAt). */
export function convergence(h: HistoryEntry[]): V {
  const { db, clients } = finalReads(h);
  if (!db) return { name: 'convergence', valid: 'unknown', anomalies: [{ kind: 'no-final-read', detail: 'the database was not read at the end', entries: [] }] };
  const want = new Map(entities(db).map((x) => [x.id, x]));
  const anomalies: V['anomalies'] = [];
  for (const c of clients) {
    const have = new Map(entities(c).map((x) => [x.id, x]));
    for (const [id, w] of want) {
      const got = have.get(id);
      if (!got) anomalies.push({ kind: 'missing', detail: `${c.process} lacks ${id} (${w.name})`, entries: [c.index, db.index] });
      else if (got.status !== w.status || got.name !== w.name || got.updatedAt !== w.updatedAt) {
        anomalies.push({ kind: 'diverged', detail: `${c.process} shows ${id} as ${got.name}/${got.status}/${got.updatedAt}, the database ${w.name}/${w.status}/${w.updatedAt}`, entries: [c.index, db.index] });
      }
    }
    for (const id of have.keys()) if (!want.has(id)) anomalies.push({ kind: 'phantom', detail: `${c.process} shows ${id} that the database does not have`, entries: [c.index, db.index] });
  }
  return verdict('convergence', anomalies);
}

/** Per client, the server applied its mutations in the order the client made them (ledger order). */
/** A ledger entry is the server's whole mutation ledger at that moment: the last one is the truth. */
function lastLedger(h: HistoryEntry[]): HistoryEntry[] {
  const all = h.filter((e) => e.f === 'ledger' && e.type === 'ok');
  return all.length ? [all[all.length - 1]!] : [];
}

export function queueOrder(h: HistoryEntry[]): V {
  const ledger = lastLedger(h).flatMap((e) => (e.value.mutationIds ?? []) as string[]);
  const pos = new Map(ledger.map((id, i) => [id, i]));
  const anomalies: V['anomalies'] = [];
  const byClient = new Map<string, HistoryEntry[]>();
  for (const e of h) if (MUTATIONS.has(e.f) && e.type === 'invoke') byClient.set(e.process, [...(byClient.get(e.process) ?? []), e]);
  for (const [proc, invokes] of byClient) {
    let last = -1;
    let lastEntry: HistoryEntry | undefined;
    for (const e of invokes) {
      const p = pos.get(String(e.value.mutationId));
      if (p === undefined) continue;
      if (p < last) anomalies.push({ kind: 'reordered', detail: `${proc}: ${e.f} ${e.value.mutationId} reached the server before the earlier ${lastEntry?.f}`, entries: [lastEntry!.index, e.index] });
      last = Math.max(last, p);
      lastEntry = e;
    }
  }
  return verdict('queue-order', anomalies);
}

/** Every acknowledged mutation reached the server exactly once; nothing acknowledged is lost. */
export function noLostNoDouble(h: HistoryEntry[]): V {
  const ledger = lastLedger(h);
  const applied = ledger.flatMap((e) => (e.value.mutationIds ?? []) as string[]);
  const appliedEntities = ledger.flatMap((e) => (e.value.applied ?? []) as { kind: string; entityId: string }[]);
  const anomalies: V['anomalies'] = [];
  const seen = new Set<string>();
  for (const id of applied) {
    if (seen.has(id)) anomalies.push({ kind: 'double-apply', detail: `mutation ${id} applied twice`, entries: ledger.map((e) => e.index) });
    seen.add(id);
  }
  const perEntity = new Map<string, number>();
  for (const a of appliedEntities) {
    const key = `${a.kind}:${a.entityId}`;
    perEntity.set(key, (perEntity.get(key) ?? 0) + 1);
  }
  for (const [key, n] of perEntity) {
    if (n > 1 && (key.startsWith('create:') || key.startsWith('upload:'))) anomalies.push({ kind: 'double-apply', detail: `${key} applied ${n} times`, entries: ledger.map((e) => e.index) });
  }
  for (const e of h) {
    if (!MUTATIONS.has(e.f) || e.type !== 'ok') continue;
    const id = String(e.value.mutationId ?? '');
    if (id && !seen.has(id) && !(e.value.deduplicated)) anomalies.push({ kind: 'lost', detail: `${e.process}: acknowledged ${e.f} ${id} is not in the server's ledger`, entries: [e.index] });
  }
  return verdict('no-lost-no-double', anomalies);
}

/** Every overwritten (409) or refused optimistic write produced its notification on that client. */
export function notifications(h: HistoryEntry[]): V {
  const anomalies: V['anomalies'] = [];
  for (const e of h) {
    if (!MUTATIONS.has(e.f) || e.type !== 'fail' || e.value.status !== 409) continue;
    const kind = e.f === 'delete' ? 'rejected' : 'conflict';
    const shown = h.some((n) => n.f === 'notify' && n.process === e.process && n.value.kind === kind && n.value.entityId === e.value.entityId && n.index > e.index - 1);
    if (!shown) anomalies.push({ kind: 'missing-notification', detail: `${e.process}: ${e.f} of ${e.value.entityId} was refused (409) but no ${kind} notification was shown`, entries: [e.index] });
  }
  return verdict('notifications', anomalies);
}

/** Monotonic reads: a client never shows an entity older than it already showed (LWW never goes back). */
export function monotonicReads(h: HistoryEntry[]): V {
  const anomalies: V['anomalies'] = [];
  const last = new Map<string, HistoryEntry>();
  for (const e of h) {
    if (e.f !== 'observe' || e.type !== 'ok') continue;
    const updatedAt = String(e.value.updatedAt ?? '');
    if (!updatedAt) continue;
    const key = `${e.process}:${e.value.entityId}`;
    const prev = last.get(key);
    if (prev && updatedAt < String(prev.value.updatedAt)) {
      anomalies.push({ kind: 'stale-read', detail: `${e.process} showed ${e.value.entityId} at ${updatedAt} after ${prev.value.updatedAt}`, entries: [prev.index, e.index] });
    }
    if (!prev || updatedAt > String(prev.value.updatedAt)) last.set(key, e);
  }
  return verdict('monotonic-reads', anomalies);
}

export const CHECKERS = [convergence, queueOrder, noLostNoDouble, notifications, monotonicReads];

export function checkAll(h: HistoryEntry[]): V[] {
  return CHECKERS.map((c) => c(h));
}
