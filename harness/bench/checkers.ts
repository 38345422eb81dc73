// Checker speed on synthetic valid histories: 4 clients (2 per user), creates / renames / deletes
// with a few refused renames, ~5 DOM observations per operation, realtime frames, the ledger and the
// final reads. Prints ms per 10,000 client operations (UI steps performed, as explore counts them: clientOperations) per checker,
// and each figure as a ratio to one JSON.stringify pass over the same history, measured in the same
// run (timings on a shared machine drift; the ratio is what is claimed).
//
//   node --import tsx harness/bench/checkers.ts [ops…]      (default 10000 50000)
import { pathToFileURL } from 'node:url';
import type { HistoryEntry, LedgerEntry } from '../schema/history.ts';
import { CHECKERS, checkAll } from '../history/checker.ts';
import { view } from '../history/checkers/view.ts';
import { clientOperations } from '../history/recorder.ts';
import { EVENTS, TOPIC_PREFIX } from '../realtime/constants.ts';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface File { id: string; userId: string; name: string; status: string; updatedAt: string }

/**
 * A valid history of about `ops` client operations: every checker passes it. Deterministic per seed.
 * `clients` browser profiles, signed in round-robin as `users` users (at least two profiles per user
 * make the realtime and conflict paths happen).
 */
export function syntheticHistory(ops: number, seed = 1, clients = 4, users = 2): HistoryEntry[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const h: HistoryEntry[] = [];
  let now = T0;
  let ids = 0;
  const tick = (ms = 1 + Math.floor(rand() * 3)) => (now += ms);
  const add = (process: string, type: HistoryEntry['type'], f: HistoryEntry['f'], value: Record<string, unknown>, wall = now) => {
    h.push({ index: h.length, time: wall - T0, wall: new Date(wall).toISOString(), process, type, f, value });
  };
  // Server stamps carry microseconds.
  const stamp = () => `${new Date(tick()).toISOString().slice(0, 23)}${String(Math.floor(rand() * 1000)).padStart(3, '0')}Z`;
  const userIds = Array.from({ length: users }, (_, u) => `u${u + 1}`);
  const names = Array.from({ length: clients }, (_, c) => `c${c + 1}`);
  const userOf = new Map(names.map((c, i) => [c, userIds[i % users]!]));
  const peers = (u: string) => names.filter((c) => userOf.get(c) === u);
  const files = new Map(userIds.map((u) => [u, new Map<string, File>()]));
  const usage = new Map(userIds.map((u) => [u, '']));
  const ledger: LedgerEntry[] = [];
  const docs = new Map<string, number>();
  let count = 0;

  const observe = (c: string, testid: string, event: string, f: { id: string; updatedAt: string; status?: string; name?: string }) => {
    add(c, 'ok', 'observe', { doc: `${c}-${docs.get(c)}`, path: '/', testid, event, id: f.id, updatedAt: f.updatedAt, status: f.status ?? '', name: f.name ?? '' });
  };
  /** Every profile of the user sees the change: a realtime frame, the row, and the usage panel. */
  const propagate = (u: string, f: File, event: 'added' | 'set' | 'removed', only?: string) => {
    for (const c of peers(u)) {
      if (only && c !== only) continue;
      tick(5 + Math.floor(rand() * 40));
      add(c, 'ok', 'receive', { topic: `${TOPIC_PREFIX}${u}`, event: EVENTS.postgresChanges, table: 'audio_files', type: event === 'added' ? 'INSERT' : event === 'set' ? 'UPDATE' : 'DELETE', id: f.id, ...(event === 'removed' ? {} : { row: { ...f } }), userId: u, commitTimestamp: f.updatedAt });
      tick(5 + Math.floor(rand() * 60));
      observe(c, 'audio-row', event, f);
      // The probe records each changed attribute: status and data-updated-at make two sightings.
      if (event !== 'removed') {
        observe(c, 'audio-row', 'set', f);
        observe(c, 'audio-detail', 'set', f);
        // Its transcript run's row follows the file's version.
        observe(c, 'run-row', event, { id: `run-${f.id}`, updatedAt: f.updatedAt, status: 'done' });
      }
      observe(c, 'usage-panel', 'set', { id: u, updatedAt: usage.get(u)! });
    }
  };
  const openDocument = (c: string) => {
    docs.set(c, (docs.get(c) ?? 0) + 1);
    tick();
    observe(c, 'document', 'added', { id: '', updatedAt: '' });
    tick();
    add(c, 'ok', 'observe', { doc: `${c}-${docs.get(c)}`, path: '/', testid: 'connection-status', event: 'set', id: '', updatedAt: '', status: 'connected', name: '' });
    for (const f of files.get(userOf.get(c)!)!.values()) observe(c, 'audio-row', 'added', f);
  };
  const mutate = (c: string, kind: 'create' | 'rename' | 'delete', f: File, extra: Record<string, unknown>) => {
    const mutationId = `m${++ids}`;
    tick();
    add(c, 'invoke', kind, { mutationId, entityId: f.id, ...extra });
    count++;
    return mutationId;
  };
  const applied = (c: string, kind: string, mutationId: string, f: File, u: string, row: boolean) => {
    ledger.push({ mutationId, kind, entityId: f.id, statusCode: kind === 'create' ? 201 : 200, userId: u });
    tick();
    add(c, 'ok', kind as HistoryEntry['f'], { mutationId, entityId: f.id, status: kind === 'create' ? 201 : 200, ...(row ? { row: { ...f } } : {}) });
  };
  const ui = (c: string, value: Record<string, unknown>) => {
    tick();
    add(c, 'ok', 'ui', value);
    count++;
  };

  for (const c of names) {
    add(c, 'ok', 'login', { user: userOf.get(c), email: `${userOf.get(c)}@example.test` });
    openDocument(c);
  }
  while (count < ops) {
    const c = pick(names);
    const u = userOf.get(c)!;
    const mine = files.get(u)!;
    const r = rand();
    if (count % 997 === 0 && count) {
      ui(c, { op: 'reload' });
      openDocument(c);
    } else if (mine.size < 3 || (r < 0.3 && mine.size < 40)) {
      const f: File = { id: `f${++ids}`, userId: u, name: `take-${ids}.wav`, status: 'uploaded', updatedAt: '' };
      ui(c, { op: 'upload', name: f.name });
      tick();
      observe(c, 'audio-row', 'added', { id: f.id, updatedAt: '', status: 'uploading', name: f.name });
      const m = mutate(c, 'create', f, { name: f.name });
      f.updatedAt = stamp();
      usage.set(u, f.updatedAt);
      mine.set(f.id, f);
      applied(c, 'create', m, f, u, true);
      propagate(u, f, 'added');
    } else if (r < 0.8) {
      const f = pick([...mine.values()]);
      const other = peers(u).find((p) => p !== c);
      if (other && rand() < 0.05) {
        // A refused rename: the other profile renames first, this one acts before it sees that.
        const base = f.updatedAt;
        ui(other, { op: 'rename', entityId: f.id, name: `${f.name}'` });
        const m1 = mutate(other, 'rename', f, { name: `${f.name}'`, baseUpdatedAt: base });
        f.name = `${f.name}'`;
        f.updatedAt = stamp();
        applied(other, 'rename', m1, f, u, true);
        propagate(u, f, 'set', other);
        ui(c, { op: 'rename', entityId: f.id, name: 'mine.wav' });
        const m2 = mutate(c, 'rename', f, { name: 'mine.wav', baseUpdatedAt: base });
        ledger.push({ mutationId: m2, kind: 'rename', entityId: f.id, statusCode: 409, userId: u });
        tick();
        add(c, 'fail', 'rename', { mutationId: m2, entityId: f.id, status: 409, code: 'conflict', current: { ...f } });
        tick();
        add(c, 'ok', 'observe', { doc: `${c}-${docs.get(c)}`, path: '/', testid: 'notification', event: 'added', id: f.id, updatedAt: '', status: 'conflict', name: '' });
        propagate(u, f, 'set', c);
      } else {
        const name = `${f.name.split('.')[0]}-${ids}.wav`;
        ui(c, { op: 'rename', entityId: f.id, name });
        // Optimistic: the new name shows on the version it was based on.
        tick();
        observe(c, 'audio-detail', 'set', { ...f, name });
        const m = mutate(c, 'rename', f, { name, baseUpdatedAt: f.updatedAt });
        f.name = name;
        f.updatedAt = stamp();
        applied(c, 'rename', m, f, u, true);
        propagate(u, f, 'set');
      }
    } else {
      const f = pick([...mine.values()]);
      ui(c, { op: 'delete', entityId: f.id });
      const m = mutate(c, 'delete', f, { baseUpdatedAt: f.updatedAt });
      mine.delete(f.id);
      usage.set(u, stamp());
      applied(c, 'delete', m, f, u, false);
      propagate(u, f, 'removed');
    }
  }
  tick(500);
  add('db', 'ok', 'ledger', { entries: ledger });
  const all = [...files.values()].flatMap((m) => [...m.values()]);
  add('db', 'ok', 'final-read', { entities: all.map((f) => ({ ...f })) });
  for (const c of names) {
    const u = userOf.get(c)!;
    add(c, 'ok', 'final-read', { user: u, entities: [...files.get(u)!.values()].map(({ userId: _, ...f }) => f) });
  }
  return h;
}


function time(fn: () => unknown, runs = 5): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

function bench(ops: number): void {
  const h = syntheticHistory(ops);
  const n = clientOperations(h);
  const per10k = (ms: number) => (ms * 10_000) / n;
  const baseline = time(() => JSON.stringify(h));
  const rows: [string, number][] = [];
  // Cold: the shared index is built inside (a fresh array each time, so nothing is cached).
  rows.push(['total (checkAll, cold)', time(() => checkAll([...h]))]);
  rows.push(['index (built once, shared)', time(() => view([...h]))]);
  view(h);
  for (const [name, check] of Object.entries(CHECKERS)) rows.push([name, time(() => check(h))]);
  const bad = checkAll(h).filter((v) => v.valid !== true);
  console.log(`\n${ops} ops requested: ${n} client operations, ${h.length} entries, ${(JSON.stringify(h).length / 1e6).toFixed(1)} MB as JSON`);
  console.log(`baseline JSON.stringify: ${per10k(baseline).toFixed(1)} ms per 10k ops`);
  console.log(`${'checker'.padEnd(28)} ${'ms/10k ops'.padStart(10)} ${'× JSON'.padStart(8)}`);
  for (const [name, ms] of rows) console.log(`${name.padEnd(28)} ${per10k(ms).toFixed(1).padStart(10)} ${(ms / baseline).toFixed(2).padStart(8)}`);
  if (bad.length) console.log(`NOT VALID: ${bad.map((v) => `${v.name} ${v.anomalies[0]?.kind}`).join(', ')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  // Warm the JIT on a small history first, so the first size is not charged for it.
  checkAll(syntheticHistory(2_000, 2));
  for (const ops of sizes.length ? sizes : [10_000, 50_000]) bench(ops);
}
