import { lastBefore, type Client, type Intent, type Mutation } from './view.ts';

/**
 * Which user action each request of a client carried out. A request is tied to the earliest not yet
 * tied ui intent of the same (kind, entity, name) made before it (a rename: after the last rename of
 * its file that was sent, where there is such an intent); an upload intent carries only the
 * file name (the id is made client-side), so a create ties by name and its upload follows the create.
 *
 * `hi` is the tied intent's place, `lo` the earliest place the request may stand for: an offline
 * client may fold several renames of one file into one request (sent with the last name, in the
 * place of the first or the last), so a rename stands for every rename of that file since the
 * previous one that was sent. Places are `intentPos * n + invokePos`, so requests of one intent
 * (a create and its upload) keep their send order. Untied requests stand at their first invoke.
 */
export interface Tie { intent?: Intent; lo: number; hi: number }

const cache = new WeakMap<Client, Map<string, Tie>>();

function intentKey(i: Intent): string | undefined {
  switch (i.op) {
    case 'upload': return `create\0\0${i.name ?? ''}`;
    case 'rename': return `rename\0${i.entityId ?? ''}\0${i.name ?? ''}`;
    case 'delete': case 'retry': return `${i.op}\0${i.entityId ?? ''}\0`;
    default: return undefined;
  }
}

function mutationKey(m: Mutation): string | undefined {
  switch (m.kind) {
    case 'create': return `create\0\0${m.name ?? ''}`;
    case 'rename': return `rename\0${m.entityId}\0${m.name ?? ''}`;
    case 'delete': case 'retry': return `${m.kind}\0${m.entityId}\0`;
    default: return undefined;
  }
}

export function ties(c: Client, n: number): Map<string, Tie> {
  let t = cache.get(c);
  if (!t) cache.set(c, (t = tie(c, n)));
  return t;
}

function tie(c: Client, n: number): Map<string, Tie> {
  const queues = new Map<string, { list: Intent[]; next: number }>();
  const renames = new Map<string, number[]>();
  for (const i of c.intents) {
    const k = intentKey(i);
    if (!k) continue;
    const q = queues.get(k);
    if (q) q.list.push(i);
    else queues.set(k, { list: [i], next: 0 });
    if (i.op === 'rename') {
      const r = renames.get(i.entityId ?? '');
      if (r) r.push(i.pos);
      else renames.set(i.entityId ?? '', [i.pos]);
    }
  }
  const byMutation = new Map<string, Intent | undefined>();
  const created = new Map<string, Intent>();
  const tiedRenames = new Map<string, number[]>();
  for (const m of c.mutations) {
    let intent: Intent | undefined;
    if (m.kind === 'upload') intent = created.get(m.entityId);
    else {
      const q = queues.get(mutationKey(m) ?? '');
      let k = q?.next ?? 0;
      if (q && m.kind === 'rename') {
        // Two renames of a file to one name: a queue that folded the first away sends the second
        // after the renames between them. It stands for the first such rename after the last
        // rename of the file that was sent, if there is one (else it is out of order, and says so).
        const sent = tiedRenames.get(m.entityId) ?? [];
        const after = sent.length ? Math.max(...sent) : -1;
        let j = k;
        while (j < q.list.length && q.list[j]!.pos < after) j++;
        if (j < q.list.length && q.list[j]!.pos < m.pos) k = j;
      }
      const head = q?.list[k];
      if (q && head && head.pos < m.pos) {
        intent = head;
        q.next = k + 1;
      }
    }
    byMutation.set(m.id, intent);
    if (intent && m.kind === 'create') created.set(m.entityId, intent);
    if (intent && m.kind === 'rename') {
      const r = tiedRenames.get(m.entityId);
      if (r) r.push(intent.pos);
      else tiedRenames.set(m.entityId, [intent.pos]);
    }
  }
  for (const r of tiedRenames.values()) r.sort((a, b) => a - b);
  const out = new Map<string, Tie>();
  for (const m of c.mutations) {
    const intent = byMutation.get(m.id);
    if (!intent) {
      out.set(m.id, { lo: m.pos * n + m.pos, hi: m.pos * n + m.pos });
      continue;
    }
    let lo = intent.pos;
    if (m.kind === 'rename') {
      // The first rename of this file after the previous rename that was sent.
      const tied = tiedRenames.get(m.entityId)!;
      const prev = tied[lastBefore(tied, intent.pos)] ?? -1;
      const all = renames.get(m.entityId)!;
      lo = Math.min(intent.pos, all[lastBefore(all, prev + 1) + 1] ?? intent.pos);
    }
    out.set(m.id, { intent, lo: lo * n + m.pos, hi: intent.pos * n + m.pos });
  }
  return out;
}
