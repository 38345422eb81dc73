// Broadcast over HTTP with the unmodified supabase-js: httpSend (the single endpoint) and send()
// before the channel has joined (its fallback to the batch endpoint); the refusals the real
// server's BroadcastController, BroadcastSingleController and AuthTenant give.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startRig, client, waitFor, subscribed, type Rig } from '../rig.ts';
import { DEFAULT_JWT_SECRET, mintServiceRoleKey } from '../../stack/keys.ts';
import { BROADCAST_PATH } from '../rest-broadcast.ts';

let rig: Rig;
// anon may read the private topics these tests use, and write only 'ws-split' (policies.ts asks them).
before(async () => {
  rig = await startRig({ maxEventsPerSecond: 20 });
  const db = new pg.Client(rig.db.url);
  await db.connect();
  await db.query(`
    create policy anon_reads on realtime.messages for select to anon using (realtime.topic() in ('rest-private', 'ws-split'));
    create policy anon_writes on realtime.messages for insert to anon with check (realtime.topic() = 'ws-split');`);
  await db.end();
});
after(() => rig.stop());

async function listener(topic: string, isPrivate = false) {
  const sb = client(rig);
  const got: unknown[] = [];
  const ch = sb.channel(topic, { config: { private: isPrivate } }).on('broadcast', { event: 'note' }, (p) => got.push(p.payload));
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  return { got, close: () => sb.removeAllChannels() };
}

const post = (path: string, body: unknown, headers: Record<string, string> = { apikey: rig.anonKey, 'content-type': 'application/json' }) =>
  fetch(`${rig.server.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('httpSend reaches the public channel of the topic, and answers 202', async () => {
  const l = await listener('rest-room');
  const sender = client(rig).channel('rest-room');
  assert.deepEqual(await sender.httpSend('note', { n: 1 }), { success: true });
  await waitFor(() => l.got[0], 5000, 'the broadcast');
  assert.deepEqual(l.got, [{ n: 1 }]);
  await l.close();
});

test('send() before the channel has joined falls back to the batch endpoint and is delivered', async () => {
  const l = await listener('rest-batch');
  const sb = client(rig);
  const warn = console.warn;
  console.warn = () => {}; // supabase-js warns that the fallback will be deprecated
  try {
    assert.equal(await sb.channel('rest-batch').send({ type: 'broadcast', event: 'note', payload: { n: 2 } }), 'ok');
  } finally {
    console.warn = warn;
  }
  await waitFor(() => l.got[0], 5000, 'the broadcast');
  assert.deepEqual(l.got, [{ n: 2 }]);
  await l.close();
});

test('a private message goes only to the private channel, and only from a role that may write it', async () => {
  const pub = await listener('rest-private');
  const priv = await listener('rest-private', true);
  const message = { messages: [{ topic: 'rest-private', event: 'note', payload: { secret: true }, private: true }] };
  // anon may not write to a private topic: the batch drops the message and still answers 202.
  assert.equal((await post(BROADCAST_PATH, message)).status, 202);
  const service = await mintServiceRoleKey(DEFAULT_JWT_SECRET);
  assert.equal((await post(BROADCAST_PATH, message, { apikey: rig.anonKey, authorization: `Bearer ${service}`, 'content-type': 'application/json' })).status, 202);
  await waitFor(() => priv.got[0], 5000, 'the private broadcast');
  assert.deepEqual(priv.got, [{ secret: true }]);
  assert.deepEqual(pub.got, [], 'the public channel of the same name gets nothing');
  const single = await post(`${BROADCAST_PATH}/rest-private/events/note?private=true`, { n: 3 });
  assert.equal(single.status, 403, 'the single endpoint refuses instead');
  await pub.close();
  await priv.close();
});

test('a role whose policy grants broadcast write sends a private message over HTTP', async () => {
  const priv = await listener('ws-split', true);
  assert.equal((await post(`${BROADCAST_PATH}/ws-split/events/note?private=true`, { n: 4 })).status, 202);
  await waitFor(() => priv.got[0], 5000, 'the private broadcast');
  assert.deepEqual(priv.got, [{ n: 4 }]);
  await priv.close();
});

test('bad requests get the real server\'s status and body, and deliver nothing', async () => {
  const l = await listener('rest-bad');
  assert.deepEqual(await (await post(BROADCAST_PATH, { messages: [{ topic: 'rest-bad', event: 'note', payload: {} }] }, { 'content-type': 'application/json' })).json(), { message: 'Unauthorized' });
  const noPayload = await post(BROADCAST_PATH, { messages: [{ topic: 'rest-bad', event: 'note' }] });
  assert.equal(noPayload.status, 422);
  assert.deepEqual(await noPayload.json(), { errors: { messages: [{ payload: ["can't be blank"] }] } });
  const text = await post(`${BROADCAST_PATH}/rest-bad/events/note`, 'hi', { apikey: rig.anonKey, 'content-type': 'text/plain' });
  assert.equal(text.status, 415);
  assert.deepEqual(await text.json(), { error: 'Unsupported Media Type. Use application/json or application/octet-stream' });
  const tooMany = await post(BROADCAST_PATH, { messages: Array.from({ length: 21 }, (_, i) => ({ topic: 'rest-bad', event: 'note', payload: { i } })) });
  assert.equal(tooMany.status, 429);
  assert.deepEqual(await tooMany.json(), { message: 'Too many messages to broadcast, please reduce the batch size' });
  const rejected = await client(rig).channel('rest-bad').httpSend('note', { n: 1 }, {}).catch((e: Error) => e.message);
  assert.equal(typeof rejected, 'object', `a good httpSend after them still works: ${String(rejected)}`);
  await waitFor(() => l.got[0], 5000, 'the good one');
  assert.deepEqual(l.got, [{ n: 1 }], 'nothing of the bad requests was delivered');
  await l.close();
});

test('over the socket too, a private and a public channel of one name do not hear each other', async () => {
  const pub = await listener('ws-split');
  const priv = await listener('ws-split', true);
  const sb = client(rig);
  const sender = sb.channel('ws-split', { config: { private: true, broadcast: { ack: true } } });
  assert.equal((await subscribed(sender)).status, 'SUBSCRIBED');
  assert.equal(await sender.send({ type: 'broadcast', event: 'note', payload: { to: 'private' } }), 'ok');
  await waitFor(() => priv.got[0], 5000, 'the private broadcast');
  assert.deepEqual(pub.got, []);
  await Promise.all([pub.close(), priv.close(), sb.removeAllChannels()]);
});
