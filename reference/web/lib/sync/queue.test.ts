import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MutationQueue, type QueuedMutation } from './queue.ts';
import { LocalStorageKV, MemoryKV, type KV } from './storage.ts';

const rename = (id: string, name: string): QueuedMutation => ({ mutationId: `m-${name}`, kind: 'rename', entityId: id, payload: { name }, baseUpdatedAt: 'v1', queuedAt: 0 });

/** A Storage over a Map, as a browser profile's localStorage is to its tabs. */
function storage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; }, key: (i) => [...m.keys()][i] ?? null, getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k), clear: () => m.clear(),
  };
}

// Two tabs of one profile, both open before either queues anything; the first closes with its
// rename unsent. The second tab's queue, and what a tab opened later loads, must still hold it.
for (const [kind, kv] of [['memory', () => new MemoryKV()], ['localStorage', () => new LocalStorageKV(storage())]] as const) {
  test(`queue (${kind}): a rename another tab of the profile queued survives this tab's changes; planted overwrite-queue loses it`, async () => {
    for (const overwrite of [false, true]) {
      const shared: KV = kv();
      const first = new MutationQueue(shared, 'queue:alice', overwrite);
      const second = new MutationQueue(shared, 'queue:alice', overwrite);
      await first.load();
      await second.load();
      await first.push(rename('f1', 'from-first.wav'));
      await second.push(rename('f2', 'from-second.wav'));
      await second.rebase('f2', 'v2');
      const later = new MutationQueue(shared, 'queue:alice');
      await later.load();
      const names = later.all().map((m) => m.payload.name);
      if (overwrite) assert.deepEqual(names, ['from-second.wav'], 'the planted bug drops the first tab\'s rename');
      else {
        assert.deepEqual(names, ['from-first.wav', 'from-second.wav']);
        assert.deepEqual(second.all().map((m) => m.payload.name), names, 'the second tab sends the first tab\'s rename too');
        assert.equal(later.all()[1]!.baseUpdatedAt, 'v2');
      }
    }
  });
}

test('queue (memory): changes made at once in one tab (a push while a replay removes) keep each other', async () => {
  const kv = new MemoryKV();
  const q = new MutationQueue(kv, 'queue:alice');
  await q.push(rename('f1', 'a.wav'));
  await Promise.all([q.remove('m-a.wav'), q.push(rename('f2', 'b.wav')), q.push(rename('f3', 'c.wav'))]);
  const later = new MutationQueue(kv, 'queue:alice');
  await later.load();
  assert.deepEqual(later.all().map((m) => m.payload.name), ['b.wav', 'c.wav']);
});
