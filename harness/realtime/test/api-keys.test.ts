// The opaque API keys Supabase projects now have: the unmodified supabase-js created with
// `sb_publishable_…` acts as anon and with `sb_secret_…` as service_role, because the API gateway
// swaps each for a JWT of that role (gateway.ts) and Realtime falls back to the socket's token when
// a join carries an `sb_` key (RealtimeChannel.assign_access_token). A forged `sb_` string is no
// JWT and is refused as the real server refuses any.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import pg from 'pg';
import { startRig, client, waitFor, subscribed, refusedUpgrade, type Rig } from '../rig.ts';
import { DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY } from '../../stack/keys.ts';
import { BROADCAST_PATH } from '../rest-broadcast.ts';

const FORGED = 'sb_publishable_forgedforgedforgedforg_12345678';

let rig: Rig;
before(async () => {
  rig = await startRig();
  const db = new pg.Client(rig.db.url);
  await db.connect();
  // Only anon may read 'sb-anon'; nobody but service_role (which bypasses RLS) may read 'sb-private'.
  await db.query(`create policy anon_reads_sb on realtime.messages for select to anon using (realtime.topic() = 'sb-anon')`);
  await db.end();
});
after(() => rig.stop());

async function join(key: string, topic: string, isPrivate: boolean) {
  const sb = client(rig, { key });
  const got: unknown[] = [];
  const ch = sb.channel(topic, { config: { private: isPrivate } }).on('broadcast', { event: 'note' }, (p) => got.push(p.payload));
  const { status, err } = await subscribed(ch);
  return { sb, ch, got, status, err };
}

test('a client created with an sb_publishable_ key connects and joins as anon', { timeout: 20_000 }, async () => {
  const pub = await join(DEFAULT_PUBLISHABLE_KEY, 'sb-public', false);
  assert.equal(pub.status, 'SUBSCRIBED', String(pub.err));
  const anon = await join(DEFAULT_PUBLISHABLE_KEY, 'sb-anon', true);
  assert.equal(anon.status, 'SUBSCRIBED', `anon's policy lets it read: ${String(anon.err)}`);
  const denied = await join(DEFAULT_PUBLISHABLE_KEY, 'sb-private', true);
  assert.equal(denied.status, 'CHANNEL_ERROR');
  assert.equal(denied.err?.message, 'Unauthorized: You do not have permissions to read from this Channel topic: sb-private');
  await Promise.all([pub.sb.removeAllChannels(), anon.sb.removeAllChannels(), denied.sb.removeAllChannels()]);
});

test('a client created with an sb_secret_ key acts as service_role, over the socket and over HTTP', { timeout: 20_000 }, async () => {
  const priv = await join(DEFAULT_SECRET_KEY, 'sb-private', true);
  assert.equal(priv.status, 'SUBSCRIBED', String(priv.err));
  const sender = client(rig, { key: DEFAULT_SECRET_KEY }).channel('sb-private', { config: { private: true } });
  assert.deepEqual(await sender.httpSend('note', { from: 'secret' }), { success: true });
  await waitFor(() => priv.got[0], 5000, 'the private broadcast');
  assert.deepEqual(priv.got, [{ from: 'secret' }]);
  // The publishable key may not write there: the single endpoint refuses it.
  const anonSender = client(rig, { key: DEFAULT_PUBLISHABLE_KEY }).channel('sb-private', { config: { private: true } });
  await assert.rejects(anonSender.httpSend('note', { from: 'anon' }), /Unauthorized/);
  await priv.sb.removeAllChannels();
});

test('a forged sb_ key is refused as the real server refuses anything that is not a JWT; the project\'s own opens', async () => {
  const own = new WebSocket(`${rig.server.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${DEFAULT_PUBLISHABLE_KEY}&vsn=2.0.0`);
  await new Promise((resolve, reject) => { own.once('open', resolve); own.once('error', reject); });
  own.close();
  const { status, body } = await refusedUpgrade(rig, `apikey=${FORGED}&vsn=2.0.0`);
  assert.equal(status, 401);
  assert.deepEqual(JSON.parse(body), { error: 'The token provided is not a valid JWT' });
  const rest = await fetch(`${rig.server.url}${BROADCAST_PATH}`, {
    method: 'POST', headers: { apikey: FORGED, authorization: `Bearer ${FORGED}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ topic: 'sb-public', event: 'note', payload: {} }] }),
  });
  assert.equal(rest.status, 401);
  assert.deepEqual(await rest.json(), { message: 'Unauthorized' });
});
