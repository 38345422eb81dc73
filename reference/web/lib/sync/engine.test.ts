// The sync engine against a fake server and realtime: the correct client, and the planted bugs of
// the client that a unit test can show (each: the correct code behaves, the planted bug does not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { SyncEngine } from './engine.ts';
import { Store } from './store.ts';
import { MemoryKV, type KV } from './storage.ts';
import { canonTs } from './time.ts';
import type { AudioFile } from './types.ts';

const U1 = 'a11ce000-0000-4000-8000-000000000001';
const U2 = 'b0b00000-0000-4000-8000-000000000002';

/** Realtime is never up here: the tests drive changes through the engine's realtime handler. */
function offlineSupabase(): SupabaseClient {
  const ch = { state: 'closed', on: () => ch, subscribe: () => ch };
  return { channel: () => ch, removeChannel: async () => 'ok', realtime: { connectionState: () => 'closed' } } as unknown as SupabaseClient;
}

/** The contract's routes over an in-memory table, with a server clock of its own (one second a write). */
class FakeServer {
  rows = new Map<string, AudioFile>();
  deleted: { id: string; at: string }[] = [];
  private clock: number;
  /** While set, a sync response (its data already read) waits for it before it reaches the client. */
  hold?: Promise<void>;
  constructor(start = '2026-03-01T10:00:00Z') { this.clock = Date.parse(start); }
  now(): string { this.clock += 1000; return canonTs(new Date(this.clock).toISOString()); }
  write(id: string, name: string, userId = U1): AudioFile {
    const prev = this.rows.get(id);
    const at = this.now();
    const row: AudioFile = { id, userId, name, status: 'uploaded', sizeBytes: null, durationMs: null, error: null, createdAt: prev?.createdAt ?? at, updatedAt: at };
    this.rows.set(id, row);
    return row;
  }
  remove(id: string): void {
    this.rows.delete(id);
    this.deleted.push({ id, at: this.now() });
  }
  fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input), 'http://app');
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (url.pathname === '/api/sync') {
      const since = url.searchParams.get('since') ?? '';
      const body = {
        serverTime: canonTs(new Date(this.clock).toISOString()),
        audioFiles: [...this.rows.values()].filter((r) => r.updatedAt > since),
        transcriptRuns: [], usage: null,
        deleted: { audioFiles: this.deleted.filter((d) => d.at > since).map((d) => d.id), transcriptRuns: [] },
      };
      if (this.hold) await this.hold;
      return json(200, body);
    }
    const m = /^\/api\/audio-files\/([^/]+)$/.exec(url.pathname);
    if (m && init?.method === 'PATCH') {
      const { baseUpdatedAt, name } = JSON.parse(String(init.body)) as { baseUpdatedAt: string; name: string };
      const cur = this.rows.get(m[1]!);
      if (!cur) return json(404, { error: { code: 'not_found', message: 'no such audio file' } });
      if (cur.updatedAt > canonTs(baseUpdatedAt)) return json(409, { current: cur });
      return json(200, this.write(cur.id, name, cur.userId));
    }
    return json(500, { error: { code: 'internal', message: `fake server: ${init?.method ?? 'GET'} ${url.pathname}` } });
  }) as typeof fetch;
}

function engine(o: { kv: KV; server?: FakeServer; userId?: string; planted?: string; online?: () => boolean }): SyncEngine {
  return new SyncEngine({
    userId: o.userId ?? U1, kv: o.kv, fetch: o.server?.fetch ?? (async () => new Response(null, { status: 503 })), supabase: offlineSupabase(),
    online: o.online ?? (() => false), uuid: () => randomUUID(), planted: o.planted,
  });
}

/** A realtime change as Supabase delivers it (snake_case row). */
function realtime(e: SyncEngine, eventType: 'INSERT' | 'UPDATE' | 'DELETE', f: Pick<AudioFile, 'id'> & Partial<AudioFile>): void {
  const row = eventType === 'DELETE' ? {} : { id: f.id, user_id: f.userId, name: f.name, status: f.status, size_bytes: f.sizeBytes, duration_ms: f.durationMs, error: f.error,
    created_at: f.createdAt, updated_at: f.updatedAt!.replace('Z', '+00:00') };
  (e as unknown as { onChange(t: string, p: unknown): void }).onChange('audio_files', eventType === 'DELETE' ? { eventType, new: {}, old: { id: f.id } } : { eventType, new: row, old: {} });
}

/** Until the engine's cache writes and renders are done (they take a timer tick). */
const settle = () => new Promise((r) => setTimeout(r, 120));

/** A reload: a new engine over the same storage, as the next page would start it. */
async function reload(kv: KV, o: { userId?: string; planted?: string; server?: FakeServer } = {}): Promise<SyncEngine> {
  const e = engine({ kv, ...o });
  await e.start();
  e.stop();
  return e;
}

/** IndexedDB under load: each write lands a while after it was asked for. */
class SlowKV extends MemoryKV {
  override async batch(ops: readonly (readonly [string, unknown])[]) {
    await new Promise((r) => setTimeout(r, 40));
    await super.batch(ops);
  }
}

test('the page renders a realtime change only once the cache holds it: a reload right after never shows an older version', async () => {
  const kv = new SlowKV();
  const server = new FakeServer();
  const e = engine({ kv });
  await e.start();
  const v1 = server.write('f1', 'v1.wav');
  realtime(e, 'INSERT', v1);
  await settle();
  const v2 = server.write('f1', 'v2.wav');
  let cachedAtRender: Promise<AudioFile[]> | undefined;
  e.subscribe(() => { cachedAtRender ??= kv.scan<AudioFile>(`file:${U1}:`); });
  realtime(e, 'UPDATE', v2);
  // Something else asks for a render while the write is under way (a notice, the queue…).
  e.dismiss('nothing');
  await settle();
  e.stop();
  assert.equal(e.store.files.get('f1')?.updatedAt, v2.updatedAt);
  assert.deepEqual((await cachedAtRender!).map((f) => f.updatedAt), [v2.updatedAt], 'when the page first shows v2, the cache already has it');
  assert.equal((await reload(kv)).store.files.get('f1')?.name, 'v2.wav');
});

test('unpersisted-delete: after a realtime delete and a reload, the planted bug shows the row again until a sync reports the delete', async () => {
  for (const planted of ['', 'unpersisted-delete']) {
    const kv = new MemoryKV();
    const server = new FakeServer();
    const e = engine({ kv, server, planted });
    await e.start();
    server.write('f1', 'doomed.wav');
    await e.syncFetch();
    server.remove('f1');
    realtime(e, 'DELETE', { id: 'f1' });
    // Later changes of other rows write the cache again: they must not mask the bug.
    realtime(e, 'INSERT', server.write('f2', 'other.wav'));
    await settle();
    e.stop();
    assert.equal(e.store.files.has('f1'), false, 'gone from the page at once either way');
    const after = await reload(kv, { planted, server });
    assert.equal(after.store.files.has('f1'), planted === 'unpersisted-delete', planted ? 'the planted bug resurrects it from the cache' : 'the correct client does not');
    await after.syncFetch();
    assert.equal(after.store.files.has('f1'), false, 'the sync removes it');
    assert.equal((await reload(kv, { planted })).store.files.has('f1'), false, 'from the cache too');
  }
});

test('shared-cache-key: after switching accounts in one browser profile, the planted bug shows the previous user\'s cached rows', async () => {
  for (const planted of ['', 'shared-cache-key']) {
    const kv = new MemoryKV();
    const server = new FakeServer();
    const alice = engine({ kv, server, planted, userId: U1 });
    await alice.start();
    realtime(alice, 'INSERT', server.write('a1', 'alice-private.wav', U1));
    await settle();
    alice.stop();
    const bob = await reload(kv, { planted, userId: U2 });
    assert.deepEqual([...bob.store.files.keys()], planted ? ['a1'] : [], planted ? 'the planted bug shows alice\'s row to bob' : 'bob sees nothing of alice');
    assert.equal((await reload(kv, { planted, userId: U1 })).store.files.has('a1'), true, 'alice keeps her cache');
  }
});

test('keep-first-rename: two offline renames of a row; the planted bug sends only the first name', async () => {
  for (const planted of ['', 'keep-first-rename']) {
    const kv = new MemoryKV();
    const server = new FakeServer();
    let online = false;
    const e = engine({ kv, server, planted, online: () => online });
    await e.start();
    server.write('f1', 'original.wav');
    await e.syncFetch();
    await e.rename('f1', 'first.wav');
    await e.rename('f1', 'second.wav');
    assert.equal(e.store.files.get('f1')?.name, 'second.wav', 'the page shows the last rename either way');
    assert.deepEqual(e.queue.all().map((m) => m.payload.name), planted ? ['first.wav'] : ['first.wav', 'second.wav']);
    online = true;
    await e.replay();
    await settle();
    e.stop();
    assert.equal(server.rows.get('f1')?.name, planted ? 'first.wav' : 'second.wav', planted ? 'the last rename is lost' : 'the last rename wins');
    assert.equal(e.store.files.get('f1')?.name, server.rows.get('f1')?.name);
    assert.equal(e.notices.length, 0, 'and nothing tells the user');
  }
});

test('stale-sync-overwrites: a sync response older than what realtime brought meanwhile; the planted bug goes back to it', async () => {
  for (const planted of ['', 'stale-sync-overwrites']) {
    const kv = new MemoryKV();
    const server = new FakeServer();
    const e = engine({ kv, server, planted });
    await e.start();
    server.write('f1', 'v1.wav');
    await e.syncFetch();
    const v2 = server.write('f1', 'v2.wav');
    let release!: () => void;
    server.hold = new Promise((r) => { release = r; });
    // The reconcile fetch reads v2; before its response arrives, realtime delivers v3.
    const sync = e.syncFetch();
    await new Promise((r) => setTimeout(r, 10));
    const v3 = server.write('f1', 'v3.wav');
    realtime(e, 'UPDATE', v3);
    release();
    await sync;
    await settle();
    e.stop();
    assert.equal(e.store.files.get('f1')?.updatedAt, planted ? v2.updatedAt : v3.updatedAt, planted ? 'the planted bug shows v2 after v3' : 'v3 stays');
  }
});

test('client-clock-cursor: with the browser clock ahead of the server, the planted bug never fetches what changed while it was away', async () => {
  for (const planted of ['', 'client-clock-cursor']) {
    const kv = new MemoryKV();
    // The server's clock is years behind this machine's: the browser's clock is "ahead".
    const server = new FakeServer('2020-01-01T00:00:00Z');
    const e = engine({ kv, server, planted });
    await e.start();
    server.write('f1', 'v1.wav');
    await e.syncFetch();
    server.write('f1', 'renamed-while-away.wav');
    await e.syncFetch();
    await settle();
    e.stop();
    assert.equal(e.store.files.get('f1')?.name, planted ? 'v1.wav' : 'renamed-while-away.wav');
  }
});

test('stale-base: a rename after a realtime update; the planted bug sends the version first shown and gets a spurious 409', async () => {
  for (const planted of ['', 'stale-base']) {
    const kv = new MemoryKV();
    const server = new FakeServer();
    const e = engine({ kv, server, planted, online: () => true });
    await e.start();
    server.write('f1', 'v1.wav');
    await e.syncFetch();
    await settle();
    const v2 = server.write('f1', 'renamed-elsewhere.wav');
    realtime(e, 'UPDATE', v2);
    await settle();
    assert.equal(e.store.files.get('f1')?.name, 'renamed-elsewhere.wav', 'the page shows v2 before the user renames');
    await e.rename('f1', 'mine.wav');
    await e.replay();
    await settle();
    e.stop();
    assert.equal(server.rows.get('f1')?.name, planted ? 'renamed-elsewhere.wav' : 'mine.wav');
    assert.deepEqual(e.notices.map((n) => n.kind), planted ? ['conflict'] : []);
  }
});

/** IndexedDB under more load still: every write, not only a batch, lands a while after it was asked for. */
class SlowerKV extends SlowKV {
  override async set(key: string, value: unknown) {
    await new Promise((r) => setTimeout(r, 40));
    await super.set(key, value);
  }
}

test('a conflict renders the server version only once the cache holds it: the next page never shows an older one', async () => {
  // Found by the random workload (monotonic-reads): the 409's notice asked for a render while the
  // server version was only in memory; the page showed it, went away, and the next one showed the
  // older cached version.
  const kv = new SlowerKV();
  const server = new FakeServer();
  let online = true;
  const e = engine({ kv, server, online: () => online });
  server.write('f1', 'v1.wav');
  await e.syncFetch();
  online = false;
  await e.rename('f1', 'mine.wav');
  await settle();
  const theirs = server.write('f1', 'theirs.wav');
  const renders: Promise<[string | undefined, string[]]>[] = [];
  e.subscribe(() => {
    const shown = e.store.files.get('f1')?.updatedAt;
    renders.push(kv.scan<AudioFile>(`file:${U1}:`).then((rows) => [shown, rows.map((f) => f.updatedAt)]));
  });
  online = true;
  await e.replay(); // 409 with theirs
  await settle();
  e.stop();
  assert.equal(e.store.files.get('f1')?.updatedAt, theirs.updatedAt);
  const seen = await Promise.all(renders);
  assert.ok(seen.some(([shown]) => shown === theirs.updatedAt), 'the page shows the server version');
  for (const [shown, cached] of seen) assert.ok(cached.every((c) => c >= (shown ?? '')), `shown ${shown} while the cache held ${cached}`);
});

test('a queued rename reapplied at start over a newer cached version, then refused: the page ends on the server version', async () => {
  // Found by the random workload (conflict-rule, convergence): the optimistic row carried the newer
  // version's updatedAt, so the 409's current (same version) was not "newer" and the refused name stayed.
  const kv = new MemoryKV();
  const server = new FakeServer();
  let online = false;
  const first = engine({ kv, server, online: () => online });
  server.write('f1', 'v1.wav');
  online = true;
  await first.syncFetch();
  online = false;
  await first.rename('f1', 'mine.wav'); // queued offline, based on v1
  await settle();
  first.stop();
  const v2 = server.write('f1', 'theirs.wav'); // committed meanwhile
  const second = engine({ kv, server, online: () => online });
  online = true;
  await second.syncFetch(); // v2 reaches the cache first
  await second.start(); // the queued rename is laid over v2
  await second.replay(); // based on v1: 409 with v2
  await settle();
  second.stop();
  assert.equal(server.rows.get('f1')?.name, 'theirs.wav');
  assert.equal(second.store.files.get('f1')?.name, v2.name, 'the refused name does not stay over the server version');
  assert.deepEqual(second.notices.map((n) => n.kind), ['conflict']);
});

test('a conflict answered while the page unloads is shown by the next page: notices are kept with the queue', async () => {
  const kv = new MemoryKV();
  const server = new FakeServer();
  let online = true;
  const first = engine({ kv, server, online: () => online });
  server.write('f1', 'v1.wav');
  await first.syncFetch();
  online = false;
  await first.rename('f1', 'mine.wav');
  server.write('f1', 'theirs.wav');
  online = true;
  await first.replay(); // 409: the mutation leaves the queue, the notice is raised…
  first.stop(); // …and the page goes away
  const second = engine({ kv, server, online: () => online });
  await second.start();
  second.stop();
  assert.deepEqual(second.notices.map((n) => [n.kind, n.entityId]), [['conflict', 'f1']]);
});

test('a sync response read before a realtime delete and landing after it does not bring the row back', async () => {
  const kv = new MemoryKV();
  const server = new FakeServer();
  const e = engine({ kv, server, online: () => true });
  server.write('f1', 'v1.wav');
  let release!: () => void;
  server.hold = new Promise<void>((r) => { release = r; });
  const inFlight = e.syncFetch();
  await settle(); // the response's rows are read: f1 is still there
  server.rows.delete('f1');
  const deletedAt = server.now();
  (e as unknown as { onChange(t: string, p: unknown): void }).onChange('audio_files', { eventType: 'DELETE', new: {}, old: { id: 'f1' }, commit_timestamp: deletedAt });
  release();
  await inFlight;
  await settle();
  e.stop();
  assert.equal(e.store.files.has('f1'), false, 'the stale response did not resurrect the deleted row');
});

test('a request refused 401 (the profile signed in as another account meanwhile) stays queued, and is sent once the account is back', async () => {
  const kv = new MemoryKV();
  const server = new FakeServer();
  let account = U1;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => (account === U1
    ? server.fetch(input, init)
    : new Response(JSON.stringify({ error: { code: 'account_changed', message: 'another account' } }), { status: 401 }))) as typeof globalThis.fetch;
  server.write('f1', 'original.wav');
  const e = new SyncEngine({ userId: U1, kv, fetch, supabase: offlineSupabase(), online: () => true, uuid: () => randomUUID() });
  await e.syncFetch();
  account = 'someone-else';
  await e.rename('f1', 'mine.wav');
  await settle();
  assert.equal(server.rows.get('f1')?.name, 'original.wav', 'nothing applied as the other account');
  assert.deepEqual(e.queue.all().map((m) => m.payload.name), ['mine.wav'], 'the rename is kept, not dropped');
  account = U1;
  await e.replay();
  await settle();
  e.stop();
  assert.equal(server.rows.get('f1')?.name, 'mine.wav');
});

test('a row whose delete was refused comes back at the newest version known, not at an older sync snapshot', async () => {
  const kv = new MemoryKV();
  const server = new FakeServer();
  const e = engine({ kv, server, online: () => true });
  realtime(e, 'INSERT', server.write('f1', 'old.wav'));
  await settle();
  // What settle does with a 409 to a delete: the row is shown again, and re-added from the next sync.
  e.store.hide('f1');
  e.store.unhide('f1');
  (e as unknown as { rejectedDeletes: Set<string> }).rejectedDeletes.add('f1');
  let release!: () => void;
  server.hold = new Promise<void>((r) => { release = r; });
  const sync = e.syncFetch(); // its snapshot holds old.wav
  realtime(e, 'UPDATE', server.write('f1', 'new.wav'));
  await settle();
  release();
  await sync;
  e.stop();
  assert.equal(e.store.files.get('f1')?.name, 'new.wav', 'the newer version realtime brought stays');
});

test('a change the server could not send whole (a 413 stub) is fetched, not merged; merge-partial-change merges it', async () => {
  for (const planted of ['', 'merge-partial-change']) {
    const server = new FakeServer();
    const e = engine({ kv: new MemoryKV(), server, planted });
    await e.start();
    await e.syncFetch();
    const whole = server.write('f1', `${'long-name-'.repeat(10)}.wav`);
    // What apply_rls sends for a row over max_record_bytes: only the values of at most 64 bytes.
    const stub = { id: whole.id, user_id: whole.userId, status: whole.status, created_at: whole.createdAt, updated_at: whole.updatedAt.replace('Z', '+00:00') };
    (e as unknown as { onChange(t: string, p: unknown): void }).onChange('audio_files', { eventType: 'INSERT', new: stub, old: {}, errors: ['Error 413: Payload Too Large'] });
    await settle();
    e.stop();
    if (planted) assert.notEqual(e.store.files.get('f1')?.name, whole.name, 'the planted bug shows the stub, its name gone');
    else assert.equal(e.store.files.get('f1')?.name, whole.name, 'the correct client shows the row the sync fetched');
  }
});

/** An engine whose realtime is up: its channel joins at once and gets the postgres_changes ack. */
async function liveEngine(fetch: typeof globalThis.fetch, planted: string): Promise<SyncEngine> {
  const ch = { state: 'joined', on: () => ch, subscribe: (cb: (s: string) => void) => { setTimeout(() => cb('SUBSCRIBED')); return ch; } };
  let system: ((m: unknown) => void) | undefined;
  ch.on = ((type: string, _f: unknown, cb: (m: unknown) => void) => { if (type === 'system') system = cb; return ch; }) as never;
  const supabase = { channel: () => ch, removeChannel: async () => 'ok', realtime: { connectionState: () => 'open' } } as unknown as SupabaseClient;
  const e = new SyncEngine({ userId: U1, kv: new MemoryKV(), fetch, supabase, online: () => true, uuid: () => randomUUID(), planted });
  await e.start();
  system!({ extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL' });
  return e;
}

test('wake: a tab back from the background fetches what the feed may have dropped; trust-live-feed does not', async () => {
  for (const planted of ['', 'trust-live-feed']) {
    const server = new FakeServer();
    let syncs = 0;
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).startsWith('/api/sync')) syncs++;
      return server.fetch(input, init);
    }) as typeof globalThis.fetch;
    const e = await liveEngine(fetch, planted);
    await settle();
    const before = syncs;
    assert.ok(before >= 1, 'the reconcile after subscribing');
    server.write('f1', 'dropped-under-the-limit.wav');
    e.wake();
    await settle();
    e.stop();
    assert.equal(syncs - before, planted ? 0 : 1);
    assert.equal(e.store.files.has('f1'), !planted);
  }
});

test('a reconcile fetch that fails with the socket up is tried again, and the page says connected only once it caught up; reconcile-once gives up', async () => {
  for (const planted of ['', 'reconcile-once']) {
    const server = new FakeServer();
    server.write('f1', 'committed-in-the-gap.wav');
    let syncs = 0;
    // The first sync after subscribing answers 503, as a gateway would while the app restarts.
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).startsWith('/api/sync') && syncs++ === 0) return new Response('{}', { status: 503 });
      return server.fetch(input, init);
    }) as typeof globalThis.fetch;
    const e = await liveEngine(fetch, planted);
    await settle();
    assert.equal(syncs, 1, 'the reconcile after subscribing, refused');
    assert.equal(e.status, planted ? 'connected' : 'connecting', planted ? 'the planted bug says connected over the gap' : 'not connected before the gap is in');
    // supabase-js's first rejoin step (1 s) later.
    await new Promise((r) => setTimeout(r, 1_200));
    e.stop();
    assert.equal(syncs, planted ? 1 : 2);
    assert.equal(e.store.files.has('f1'), !planted, planted ? 'the gap never arrives' : 'the retry brings the gap in');
    assert.equal(e.status, 'connected');
  }
});

test('a channel the server closed is subscribed again after supabase-js\'s first rejoin step; closed-is-final leaves it closed', async () => {
  for (const planted of ['', 'closed-is-final']) {
    const callbacks: ((s: string) => void)[] = [];
    const ch = { state: 'joined', on: () => ch, subscribe: (cb: (s: string) => void) => { callbacks.push(cb); return ch; } };
    const supabase = { channel: () => ch, removeChannel: async () => 'ok', realtime: { connectionState: () => 'open' } } as unknown as SupabaseClient;
    const e = new SyncEngine({ userId: U1, kv: new MemoryKV(), fetch: new FakeServer().fetch, supabase, online: () => true, uuid: () => randomUUID(), planted });
    await e.start();
    assert.equal(callbacks.length, 1);
    callbacks[0]!('CLOSED');
    await new Promise((r) => setTimeout(r, 1_200));
    e.stop();
    assert.equal(callbacks.length, planted ? 1 : 2, planted ? 'the planted bug never subscribes again' : 'a new channel 1 s later');
  }
});

test('a dropped channel is left to supabase-js\'s own rejoin; new-client-on-error subscribes again on a second client', async () => {
  for (const planted of ['', 'new-client-on-error']) {
    const made: string[] = [];
    const client = (name: string) => {
      const ch = { state: 'joined', on: () => ch, subscribe: (cb: (s: string) => void) => { made.push(name); setTimeout(() => cb('CHANNEL_ERROR')); return ch; } };
      return { channel: () => ch, removeChannel: async () => 'ok', realtime: { connectionState: () => 'open' } } as unknown as SupabaseClient;
    };
    let n = 0;
    const e = new SyncEngine({
      userId: U1, kv: new MemoryKV(), fetch: new FakeServer().fetch, supabase: client('first'), online: () => true, uuid: () => randomUUID(),
      planted, newClient: () => client(`fresh-${++n}`),
    });
    await e.start();
    await settle();
    e.stop();
    // The correct engine keeps its one channel (supabase-js rejoins it); the planted bug piles up clients.
    assert.deepEqual(made.slice(0, 2), planted ? ['first', 'fresh-1'] : ['first']);
  }
});

test('a delete\'s tomb keeps its newest time: a sync reporting the delete at an older cursor, then a stale sync row, does not bring it back', () => {
  const store = new Store();
  const row = (updatedAt: string): AudioFile => ({ id: 'f1', userId: U1, name: 'v.wav', status: 'succeeded', sizeBytes: null, durationMs: null, error: null, createdAt: '2026-12-02T12:26:00.000000Z', updatedAt });
  store.upsertFile(row('2026-12-02T12:26:29.605017Z'));
  store.removeFile('f1', '2026-12-02T12:26:34.180000Z'); // the realtime DELETE's commit time
  store.removeFile('f1', '2026-12-02T12:26:19.679146Z'); // a sync's deleted list, stamped with its (older) cursor
  assert.equal(store.upsertFile(row('2026-12-02T12:26:29.605017Z')), false, 'a row read before the delete, landing last');
  assert.equal(store.upsertFile(row('2026-12-02T12:26:40.000000Z')), true, 'a write after the delete still wins');
});
