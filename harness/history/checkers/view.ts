import { MUTATION_KINDS, type EntityState, type HistoryEntry, type LedgerEntry, type MutationKind } from '../../schema/history.ts';
import { EVENTS } from '../../realtime/constants.ts';

/**
 * One pass over a history into what the checkers look things up by: per client its intents,
 * requests, acknowledgements and observations in order; mutations by id; who owns each row; when the
 * server deleted or created it. Built once per history array (checkers are pure, so they can share it).
 *
 * `pos` is an entry's place in the ordered history; "later" always means a greater pos.
 */
export type Entry = HistoryEntry;
type Value = Record<string, unknown>;

export const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
export const obj = (x: unknown): Value | undefined => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Value) : undefined);

const KINDS: ReadonlySet<string> = new Set(MUTATION_KINDS);
export const isMutation = (f: string): f is MutationKind => KINDS.has(f);

/**
 * The user of a step that may belong to either side of an account switch: the switch is logged just
 * before the browser navigates, so the old page can still report rows (or frames) after it. Checkers
 * that judge by user skip such steps.
 */
export const UNSURE = '\u0000unsure';

/** Where a step happened and as whom the client was signed in then (UNSURE: see above). */
export interface Step { pos: number; e: Entry; user?: string }
export interface Intent extends Step { op: string; entityId?: string; name?: string }
export interface Observation extends Step {
  /** The document it belongs to: the probe's `doc`, or the count of documents this client started. */
  doc: string; path: string; testid: string; event: string; id: string; updatedAt: string; status: string; name?: string;
}
/** One client mutation, however many times it was sent under its mutationId. */
export interface Mutation {
  id: string; kind: MutationKind; client: string; entityId: string; name?: string;
  invoke: Entry; pos: number; user?: string;
  acks: Step[]; fails: Step[];
}
export interface Client {
  name: string;
  intents: Intent[]; observations: Observation[];
  /** In order of first invoke. */
  mutations: Mutation[];
  /** ok / fail completions of this client's requests, in order. */
  acks: (Step & { m: Mutation })[]; fails: (Step & { m: Mutation })[];
  receives: Step[]; syncs: Step[];
  /** The last successful final read, and the last final read of any outcome (info: it never quiesced). */
  final?: Entry; lastFinal?: Entry;
  user?: string;
  /** Where the signed-in user last changed, and where the latest document started. */
  switched: number; docStart: number;
}
export interface View {
  entries: readonly Entry[];
  clients: Map<string, Client>;
  mutations: Map<string, Mutation>;
  /** The last ledger read: the server's whole mutation ledger then, in apply order. */
  ledger?: { e: Entry; rows: LedgerEntry[]; first: Map<string, number> };
  db?: Entry;
  owners: Map<string, string>;
  /** Per row, the server's deletions and creations it acknowledged (to a client or a writer), in order. */
  deletions: Map<string, Step[]>;
  creations: Map<string, number[]>;
}

/**
 * Built once per history and shared by the checkers of one checkAll. A recorder's array grows while a
 * run goes on, so a cached view holds only while the array still holds the very same entries (a
 * pointer comparison per entry: far cheaper than building again).
 */
const cache = new WeakMap<readonly Entry[], { seen: Entry[]; v: View }>();

export function view(h: readonly Entry[]): View {
  const hit = cache.get(h);
  if (hit && same(hit.seen, h)) return hit.v;
  const v = build(h);
  cache.set(h, { seen: h.slice(), v });
  return v;
}

function same(a: readonly Entry[], b: readonly Entry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Final-read and db entities, whatever junk the value holds. */
export function entities(e: Entry | undefined): EntityState[] {
  const xs = e?.value.entities;
  return Array.isArray(xs) ? (xs.filter((x) => obj(x) && typeof (x as Value).id === 'string') as EntityState[]) : [];
}

/** The rows a sync response carried: an array, or an object of arrays per table. */
function syncRows(x: unknown): Value[] {
  if (Array.isArray(x)) return x.filter((r) => obj(r)) as Value[];
  const o = obj(x);
  return o ? Object.values(o).flatMap((r) => syncRows(r)) : [];
}

const SIGN_OUT = new Set(['sign-out', 'signout', 'logout', 'sign-out-all']);

function ordered(h: readonly Entry[]): readonly Entry[] {
  for (let i = 1; i < h.length; i++) if (h[i]!.index < h[i - 1]!.index) return [...h].sort((a, b) => a.index - b.index);
  return h;
}

function build(h: readonly Entry[]): View {
  const entries = ordered(h);
  const clients = new Map<string, Client>();
  const mutations = new Map<string, Mutation>();
  const owners = new Map<string, string>();
  const deletions = new Map<string, Step[]>();
  const creations = new Map<string, number[]>();
  let ledger: View['ledger'];
  let db: Entry | undefined;
  const docs = new Map<string, { n: number; key: string; path: string }>();
  const docStarts = new Map<string, number>();
  const signIn = (c: Client, user: string | undefined, pos: number) => {
    if (user !== c.user) c.switched = pos;
    c.user = user;
  };

  const client = (name: string): Client => {
    let c = clients.get(name);
    if (!c) clients.set(name, (c = { name, intents: [], observations: [], mutations: [], acks: [], fails: [], receives: [], syncs: [], switched: -1, docStart: -1 }));
    return c;
  };
  const own = (id: unknown, user: unknown) => {
    if (typeof id === 'string' && id && typeof user === 'string' && user && !owners.has(id)) owners.set(id, user);
  };
  const ownRow = (row: unknown, id?: unknown) => {
    const r = obj(row);
    if (r) own(r.id ?? id, r.userId);
  };
  const push = <T>(m: Map<string, T[]>, k: string, x: T) => {
    const xs = m.get(k);
    if (xs) xs.push(x);
    else m.set(k, [x]);
  };

  for (let pos = 0; pos < entries.length; pos++) {
    const e = entries[pos]!;
    const val = e.value;
    if (e.process === 'db') {
      if (e.type !== 'ok') continue;
      if (e.f === 'final-read') {
        db = e;
        for (const x of entities(e)) own(x.id, x.userId);
      } else if (e.f === 'ledger') {
        const rows = (Array.isArray(val.entries) ? val.entries : []).filter((r) => typeof obj(r)?.mutationId === 'string') as LedgerEntry[];
        const first = new Map<string, number>();
        rows.forEach((r, i) => {
          if (!first.has(r.mutationId)) first.set(r.mutationId, i);
          own(r.entityId, r.userId);
        });
        ledger = { e, rows, first };
      }
      continue;
    }
    if (e.f === 'write') {
      own(val.entityId, val.user);
      ownRow(val.row, val.entityId);
      if (e.type === 'ok' && typeof val.entityId === 'string') {
        if (val.op === 'delete') push(deletions, val.entityId, { pos, e });
        if (val.op === 'create' || val.op === 'insert') push(creations, val.entityId, pos);
      }
      continue;
    }
    if (e.f === 'fault' || e.f === 'ledger') continue;
    const c = client(e.process);
    // After a switch, until a document starts, the old page may still be talking.
    const user = c.docStart >= 0 && c.switched > c.docStart ? UNSURE : c.user;
    switch (e.f) {
      case 'login':
        if (e.type === 'ok') signIn(c, str(val.user), pos);
        break;
      case 'ui':
        if (e.type !== 'ok') break;
        c.intents.push({ pos, e, user: c.user, op: String(val.op ?? ''), entityId: str(val.entityId), name: str(val.name) });
        if (SIGN_OUT.has(String(val.op))) signIn(c, undefined, pos);
        break;
      case 'observe': {
        if (e.type !== 'ok') break;
        const testid = String(val.testid ?? '');
        let d = docs.get(e.process);
        if (!d) docs.set(e.process, (d = { n: 0, key: `${e.process}#0`, path: '' }));
        if (testid === 'document') {
          d.n++;
          d.key = val.doc !== undefined ? String(val.doc) : `${e.process}#${d.n}`;
          d.path = String(val.path ?? '');
          c.docStart = pos;
        }
        const doc = val.doc !== undefined ? String(val.doc) : d.key;
        if (!docStarts.has(`${e.process}\0${doc}`)) docStarts.set(`${e.process}\0${doc}`, pos);
        // A page that began before the account switch may belong to either account.
        const began = docStarts.get(`${e.process}\0${doc}`)!;
        c.observations.push({
          pos, e, user: c.switched > began ? UNSURE : c.user, testid,
          doc,
          path: val.path !== undefined ? String(val.path) : d.path,
          event: String(val.event ?? ''), id: String(val.id ?? ''), updatedAt: String(val.updatedAt ?? ''),
          status: String(val.status ?? ''), name: str(val.name),
        });
        break;
      }
      case 'receive':
        c.receives.push({ pos, e, user });
        ownRow(val.row, val.id);
        if (val.event === EVENTS.postgresChanges && !obj(val.row)) own(val.id, val.userId);
        break;
      case 'sync':
        if (e.type !== 'ok') break;
        c.syncs.push({ pos, e, user });
        for (const r of syncRows(val.rows)) own(r.id, r.userId);
        break;
      case 'final-read':
        c.lastFinal = e;
        if (e.type === 'ok') c.final = e;
        break;
      default: {
        if (!isMutation(e.f)) break;
        // A request whose mutationId could not be read is a mutation of its own, never merged with another.
        const id = typeof val.mutationId === 'string' && val.mutationId ? val.mutationId : `#${pos}`;
        let m = mutations.get(id);
        if (e.type === 'invoke') {
          if (!m) {
            m = { id, kind: e.f, client: e.process, entityId: String(val.entityId ?? ''), name: str(val.name), invoke: e, pos, user, acks: [], fails: [] };
            mutations.set(id, m);
            c.mutations.push(m);
          }
          break;
        }
        // A completion without its invoke (a cut-off history): judge it on what it says.
        if (!m) {
          m = { id, kind: e.f, client: e.process, entityId: String(val.entityId ?? ''), invoke: e, pos, user, acks: [], fails: [] };
          mutations.set(id, m);
          c.mutations.push(m);
        }
        const entity = String(val.entityId ?? m.entityId);
        if (e.type === 'ok') {
          m.acks.push({ pos, e, user });
          c.acks.push({ pos, e, user, m });
          ownRow(val.row, entity);
          // The server deleted the row somewhere between the request and its answer: another client
          // may show it gone (realtime) before this answer is recorded, so the request is the mark.
          if (e.f === 'delete') push(deletions, entity, { pos: m.pos, e });
          if (e.f === 'create') push(creations, entity, pos);
        } else if (e.type === 'fail') {
          m.fails.push({ pos, e, user });
          c.fails.push({ pos, e, user, m });
          ownRow(val.current, entity);
        }
      }
    }
  }
  for (const dels of deletions.values()) dels.sort((a, b) => a.pos - b.pos);
  dropUnapplied(deletions, creations, db);
  return { entries, clients, mutations, ledger, db, owners, deletions, creations };
}

/**
 * A writer's delete is logged ok even when it matched no row (a file still processing is kept): a
 * row the database still holds at the end, not created again since, was not deleted.
 */
function dropUnapplied(deletions: Map<string, Step[]>, creations: Map<string, number[]>, db: Entry | undefined): void {
  if (!db) return;
  const kept = new Set(entities(db).map((r) => r.id));
  for (const [id, dels] of deletions) {
    if (!kept.has(id)) continue;
    const lastCreate = Math.max(-1, ...(creations.get(id) ?? []));
    const real = dels.filter((d) => d.pos < lastCreate);
    if (real.length) deletions.set(id, real);
    else deletions.delete(id);
  }
}

/** Applied = a 2xx in the ledger (a 409 is recorded too, but changed nothing). */
export const applied = (r: LedgerEntry) => r.statusCode >= 200 && r.statusCode < 300;

const CANON = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const ISO = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d(?::?\d\d)?)?$/;

/**
 * A timestamp in one form, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so that comparing strings compares times to
 * the microsecond (Date would drop the last three digits). The server sends this form already.
 */
export function stamp(s: string): string {
  if (s.length === 27 && CANON.test(s)) return s;
  const m = ISO.exec(s);
  if (!m) return s;
  const frac = (m[3] ?? '').padEnd(6, '0').slice(0, 6);
  const tz = m[4] ?? 'Z';
  if (tz === 'Z' || /^\+00(:?00)?$/.test(tz)) return `${m[1]}T${m[2]}.${frac}Z`;
  const off = tz.length === 3 ? `${tz}:00` : tz.includes(':') ? tz : `${tz.slice(0, 3)}:${tz.slice(3)}`;
  const t = Date.parse(`${m[1]}T${m[2]}${off}`);
  return Number.isNaN(t) ? s : `${new Date(t).toISOString().slice(0, 19)}.${frac}Z`;
}

/** The last element of a sorted list below `pos`, by binary search; -1 if none. */
export function lastBefore(sorted: readonly number[], pos: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
