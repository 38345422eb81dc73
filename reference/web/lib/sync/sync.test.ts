import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from './store.ts';
import { MutationQueue } from './queue.ts';
import { LocalStorageKV, MemoryKV, openStorage } from './storage.ts';
import { canonTs } from './time.ts';
import { connectionState } from './status.ts';
import type { AudioFile } from './types.ts';

const file = (updatedAt: string, name = 'a.wav'): AudioFile => ({
  id: 'f1', userId: 'u', name, status: 'uploaded', sizeBytes: null, durationMs: null, error: null, createdAt: '2026-01-01T00:00:00Z', updatedAt,
});

test('timestamps from realtime (+00:00) and REST (Z) compare exactly, to the microsecond', () => {
  assert.equal(canonTs('2026-11-25 04:22:56.123456+00'), '2026-11-25T04:22:56.123456Z');
  assert.equal(canonTs('2026-11-25T04:22:56.123456+00:00'), canonTs('2026-11-25T04:22:56.123456Z'));
  assert.ok(canonTs('2026-11-25T04:22:56.123457Z') > canonTs('2026-11-25T04:22:56.123456+00:00'));
  assert.equal(canonTs('2026-11-25T05:22:56.5+01:00'), '2026-11-25T04:22:56.500000Z');
});

test('last-write-wins: an older or equal payload is ignored, a newer one applied', () => {
  const s = new Store();
  assert.equal(s.upsertFile(file('2026-01-01T00:00:02.000001Z', 'v2')), true);
  assert.equal(s.upsertFile(file('2026-01-01T00:00:01Z', 'v1')), false);
  assert.equal(s.upsertFile(file('2026-01-01T00:00:02.000001+00:00', 'same')), false);
  assert.equal(s.files.get('f1')?.name, 'v2');
  assert.equal(s.upsertFile(file('2026-01-01T00:00:03Z', 'v3')), true);
  assert.equal(s.files.get('f1')?.name, 'v3');
});

test('the ignore-updated-at planted bug applies stale payloads (what the stale-event scenario catches)', () => {
  const s = new Store({ ignoreUpdatedAt: true });
  s.upsertFile(file('2026-01-01T00:00:02Z', 'v2'));
  s.upsertFile(file('2026-01-01T00:00:01Z', 'v1'));
  assert.equal(s.files.get('f1')?.name, 'v1');
});

test('a row with a queued delete stays removed whatever arrives; a deleted row is not revived by an older write', () => {
  const s = new Store();
  s.upsertFile(file('2026-01-01T00:00:01Z'));
  s.hide('f1');
  assert.equal(s.upsertFile(file('2026-01-01T00:00:05Z')), false);
  s.unhide('f1');
  s.removeFile('f1', '2026-01-01T00:00:06.000000Z');
  assert.equal(s.upsertFile(file('2026-01-01T00:00:05Z')), false);
  assert.equal(s.upsertFile(file('2026-01-01T00:00:07Z')), true);
});

test('the queue keeps order and survives a reload (a new queue over the same storage)', async () => {
  const kv = new MemoryKV();
  const q = new MutationQueue(kv, 'queue:u');
  for (const n of ['m1', 'm2', 'm3']) await q.push({ mutationId: n, kind: 'rename', entityId: 'f1', payload: {}, baseUpdatedAt: 't0', queuedAt: 0 });
  const reloaded = new MutationQueue(kv, 'queue:u');
  await reloaded.load();
  assert.deepEqual(reloaded.all().map((m) => m.mutationId), ['m1', 'm2', 'm3']);
  assert.equal(reloaded.peek()?.mutationId, 'm1');
  await reloaded.rebase('f1', 't1');
  await reloaded.remove('m1');
  const again = new MutationQueue(kv, 'queue:u');
  await again.load();
  assert.deepEqual(again.all().map((m) => [m.mutationId, m.baseUpdatedAt]), [['m2', 't1'], ['m3', 't1']]);
});

class MapStorage implements Storage {
  private m = new Map<string, string>();
  get length() { return this.m.size; }
  clear() { this.m.clear(); }
  getItem(k: string) { return this.m.get(k) ?? null; }
  key(i: number) { return [...this.m.keys()][i] ?? null; }
  removeItem(k: string) { this.m.delete(k); }
  setItem(k: string, v: string) { this.m.set(k, v); }
}

test('storage falls back to localStorage when IndexedDB is unavailable, and only to memory when told not to', async () => {
  const ls = new MapStorage();
  const kv = await openStorage({ name: 't', indexedDB: undefined, localStorage: ls });
  assert.equal(kv.kind, 'localstorage');
  await kv.set('queue:u', [1, 2]);
  assert.deepEqual(await new LocalStorageKV(ls, 't:').get('queue:u'), [1, 2]);
  const broken = { open() { throw new Error('SecurityError'); } } as unknown as IDBFactory;
  assert.equal((await openStorage({ name: 't', indexedDB: broken, localStorage: ls })).kind, 'localstorage');
  assert.equal((await openStorage({ name: 't', indexedDB: undefined, localStorage: ls, noFallback: true })).kind, 'memory');
});

test('connection state: offline without network or socket, connecting until the postgres_changes ack, then connected', () => {
  assert.equal(connectionState({ online: false, socket: 'open', up: true }), 'offline', 'navigator.onLine false wins');
  assert.equal(connectionState({ online: true, socket: 'closed', up: false }), 'offline');
  assert.equal(connectionState({ online: true, socket: 'connecting', up: false }), 'connecting');
  assert.equal(connectionState({ online: true, socket: 'open', up: false }), 'connecting', 'joined (SUBSCRIBED) but not yet acked is not connected');
  assert.equal(connectionState({ online: true, socket: 'open', up: true }), 'connected');
  assert.equal(connectionState({ online: true, socket: 'closed', up: false, fakeConnected: true }), 'connected', 'the planted bug lies');
});
