import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { startRig, client, userToken, waitFor, subscribed, refusedUpgrade, type Rig } from '../rig.ts';
import { ALICE, BOB } from '../../stack/seed-users.ts';

let rig: Rig;
before(async () => { rig = await startRig({ maxChannelsPerClient: 3 }); });
after(async () => { await rig.stop(); });

function raw(vsn = '2.0.0', apikey = rig.anonKey): Promise<{ ws: WebSocket; frames: unknown[] }> {
  const ws = new WebSocket(`${rig.server.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${apikey}&vsn=${vsn}`);
  const frames: unknown[] = [];
  ws.on('message', (d, bin) => frames.push(bin ? d : JSON.parse(String(d))));
  return new Promise((resolve, reject) => { ws.once('open', () => resolve({ ws, frames })); ws.once('error', reject); });
}

test('heartbeat is answered on the phoenix topic with the same ref', async () => {
  const { ws, frames } = await raw();
  ws.send(JSON.stringify([null, '7', 'phoenix', 'heartbeat', {}]));
  const reply = await waitFor(() => frames.find((f) => Array.isArray(f) && f[1] === '7'));
  assert.deepEqual(reply, [null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
  ws.close();
});

test('a forged JWT is refused with the real server reason; the client reports CHANNEL_ERROR', async () => {
  const sb = client(rig);
  const forged = await new SignJWT({ sub: ALICE.id, role: 'authenticated' }).setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h').sign(new TextEncoder().encode('not-the-secret-not-the-secret-not-the-secret'));
  await sb.realtime.setAuth(forged);
  const { status, err } = await subscribed(sb.channel('forged'));
  assert.equal(status, 'CHANNEL_ERROR');
  assert.match(String(err?.message), /JwtSignatureError: Failed to validate JWT signature/);
  await sb.removeAllChannels();
});

test('an expired JWT is refused with "Token has expired N seconds ago"', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE, -30));
  const { status, err } = await subscribed(sb.channel('expired'));
  assert.equal(status, 'CHANNEL_ERROR');
  assert.match(String(err?.message), /InvalidJWTToken: Token has expired \d+ seconds ago/);
  await sb.removeAllChannels();
});

test('a token expiring mid-session ends the channel with a system error', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE, 2));
  const system: { status: string; message: string }[] = [];
  const ch = sb.channel('short').on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  const msg = await waitFor(() => system.find((s) => s.status === 'error'), 6000, 'expiry');
  assert.match(msg.message, /Token has expired/);
  await sb.removeAllChannels();
});

test('access_token refresh keeps the subscription alive past the old expiry', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE, 2));
  const system: { status: string }[] = [];
  const ch = sb.channel('refresh').on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  await sb.realtime.setAuth(await userToken(ALICE, 3600));
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(system.filter((s) => s.status === 'error').length, 0);
  assert.equal(ch.state, 'joined');
  await sb.removeAllChannels();
});

test('broadcast: self and ack, across vsn 1.0.0 and 2.0.0 sockets', async () => {
  const a = client(rig, { vsn: '2.0.0' });
  const b = client(rig, { vsn: '1.0.0' });
  const gotA: unknown[] = []; const gotB: unknown[] = [];
  const chA = a.channel('room', { config: { broadcast: { self: true, ack: true } } }).on('broadcast', { event: 'ping' }, (p) => gotA.push(p.payload));
  const chB = b.channel('room').on('broadcast', { event: 'ping' }, (p) => gotB.push(p.payload));
  assert.equal((await subscribed(chA)).status, 'SUBSCRIBED');
  assert.equal((await subscribed(chB)).status, 'SUBSCRIBED');
  const ack = await chA.send({ type: 'broadcast', event: 'ping', payload: { n: 1, text: 'héllo' } });
  assert.equal(ack, 'ok');
  await waitFor(() => gotB.length > 0 || undefined);
  await waitFor(() => gotA.length > 0 || undefined);
  assert.deepEqual(gotB[0], { n: 1, text: 'héllo' });
  assert.deepEqual(gotA[0], { n: 1, text: 'héllo' });
  await b.removeAllChannels(); await a.removeAllChannels();
});

test('presence: track shows up in the other client, untrack removes it', async () => {
  const a = client(rig); const b = client(rig);
  const chA = a.channel('lobby', { config: { presence: { key: 'alice' } } });
  const chB = b.channel('lobby', { config: { presence: { key: 'bob' } } }).on('presence', { event: 'sync' }, () => {});
  assert.equal((await subscribed(chA.on('presence', { event: 'sync' }, () => {}))).status, 'SUBSCRIBED');
  assert.equal((await subscribed(chB)).status, 'SUBSCRIBED');
  assert.equal(await chA.track({ online_at: 'now' }), 'ok');
  await waitFor(() => (chB.presenceState() as Record<string, unknown[]>).alice?.length ? true : undefined, 5000, 'alice in bob presence');
  assert.equal(await chA.untrack(), 'ok');
  await waitFor(() => (chB.presenceState() as Record<string, unknown[]>).alice ? undefined : true, 5000, 'alice gone');
  await a.removeAllChannels(); await b.removeAllChannels();
});

test('too many channels on one socket: the real error, earlier channels keep working', async () => {
  const sb = client(rig);
  const statuses: string[] = []; const errors: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { status, err } = await subscribed(sb.channel(`c${i}`));
    statuses.push(status);
    if (err) errors.push(err.message);
  }
  assert.deepEqual(statuses.slice(0, 3), ['SUBSCRIBED', 'SUBSCRIBED', 'SUBSCRIBED']);
  assert.ok(statuses.slice(3).every((s) => s === 'CHANNEL_ERROR'));
  assert.match(errors[0] ?? '', /ChannelRateLimitReached: Too many channels/);
  assert.equal(sb.realtime.isConnected(), true);
  await sb.removeAllChannels();
});

test('malformed frames and unknown topics: only the offender is affected', async () => {
  const bystander = await raw();
  const bad = await raw();
  const closed = new Promise<number>((r) => bad.ws.once('close', (code) => r(code)));
  bad.ws.send('{not json');
  assert.equal(await closed, 1007);
  const other = await raw();
  other.ws.send(JSON.stringify([null, '3', 'realtime:nobody', 'broadcast', {}]));
  const reply = await waitFor(() => other.frames.find((f) => Array.isArray(f) && f[1] === '3')) as unknown[];
  assert.deepEqual(reply[4], { status: 'error', response: { reason: 'unmatched topic' } });
  bystander.ws.send(JSON.stringify([null, '9', 'phoenix', 'heartbeat', {}]));
  await waitFor(() => bystander.frames.find((f) => Array.isArray(f) && f[1] === '9'));
  bystander.ws.close(); other.ws.close();
});

test('a socket without a valid apikey is refused at connect with 401', async () => {
  for (const [query, message] of [['vsn=2.0.0', 'API key is missing'], ['apikey=abc&vsn=2.0.0', 'The token provided is not a valid JWT']] as const) {
    const { status, body } = await refusedUpgrade(rig, query);
    assert.equal(status, 401);
    assert.deepEqual(JSON.parse(body), { error: message });
  }
});

test('RLS uses the access token sent in the join, not the anon apikey', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(BOB));
  assert.equal((await subscribed(sb.channel('bob-only'))).status, 'SUBSCRIBED');
  await sb.removeAllChannels();
});

test('health is 200 while replication streams', async () => {
  const res = await fetch(`${rig.server.url}/health`);
  assert.equal(res.status, 200);
});
