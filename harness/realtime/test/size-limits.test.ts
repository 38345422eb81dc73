// Size limits as the real server applies them: a message over max_payload_size_in_kb is dropped (a
// broadcast with ack is answered `payload_size_exceeded`, an oversized presence track ends the
// channel), and only a frame over 5,000,000 bytes closes the socket, with 1009.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startRig, client, waitFor, subscribed, type Rig } from '../rig.ts';
import { MAX_FRAME_BYTES } from '../limits.ts';

let rig: Rig;
// 1 kB messages: small enough to cross with a few kilobytes.
before(async () => { rig = await startRig({ maxPayloadSizeKb: 1 }); });
after(() => rig.stop());

const big = 'x'.repeat(2_000);

test('an oversized broadcast is dropped: with ack the sender gets payload_size_exceeded, the socket stays', async () => {
  const sb = client(rig);
  const got: unknown[] = [];
  const listener = sb.channel('size-room').on('broadcast', { event: 'note' }, (m) => got.push(m.payload));
  assert.equal((await subscribed(listener)).status, 'SUBSCRIBED');
  const sender = client(rig);
  const acked = sender.channel('size-room', { config: { broadcast: { ack: true } } });
  assert.equal((await subscribed(acked)).status, 'SUBSCRIBED');
  assert.equal(await acked.send({ type: 'broadcast', event: 'note', payload: { big } }), 'error');
  const quiet = client(rig).channel('size-room');
  assert.equal((await subscribed(quiet)).status, 'SUBSCRIBED');
  await quiet.send({ type: 'broadcast', event: 'note', payload: { big } });
  assert.equal(await acked.send({ type: 'broadcast', event: 'note', payload: { small: 1 } }), 'ok');
  await waitFor(() => got[0], 5000, 'the small message');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(got, [{ small: 1 }], 'neither oversized message was delivered');
  assert.equal(sender.realtime.isConnected(), true);
  await Promise.all([sb.removeAllChannels(), sender.removeAllChannels(), quiet.unsubscribe()]);
});

test('an oversized presence track ends the channel with "Track message size exceeded"', async () => {
  const sb = client(rig);
  const system: { status: string; message: string }[] = [];
  const ch = sb.channel('size-presence').on('presence', { event: 'sync' }, () => {})
    .on('system' as never, {} as never, (p: { status: string; message: string }) => { system.push(p); });
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  void ch.track({ big });
  const shut = await waitFor(() => system.find((s) => s.status === 'error'), 5000, 'the shutdown');
  assert.equal(shut.message, 'Track message size exceeded');
  await sb.removeAllChannels();
});

test('only a frame over 5,000,000 bytes closes the socket, with 1009', async () => {
  const url = `${rig.server.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${rig.anonKey}&vsn=2.0.0`;
  const open = () => new Promise<WebSocket>((resolve, reject) => { const ws = new WebSocket(url); ws.once('open', () => resolve(ws)); ws.once('error', reject); });
  const frame = (bytes: number) => JSON.stringify([null, '1', 'realtime:size-frame', 'broadcast', { type: 'broadcast', event: 'e', payload: { pad: 'y'.repeat(bytes) } }]);
  const under = await open();
  under.send(frame(MAX_FRAME_BYTES - 1_000));
  under.send(JSON.stringify([null, '2', 'phoenix', 'heartbeat', {}]));
  const replied = await new Promise<boolean>((resolve) => {
    under.on('message', (d) => { if (String(d).includes('"2"')) resolve(true); });
    under.once('close', () => resolve(false));
  });
  assert.equal(replied, true, 'a frame under the limit leaves the socket up');
  under.close();
  const over = await open();
  const closed = new Promise<number>((resolve) => over.once('close', (code) => resolve(code)));
  over.on('error', () => {});
  over.send(frame(MAX_FRAME_BYTES + 1_000));
  assert.equal(await closed, 1009);
});
