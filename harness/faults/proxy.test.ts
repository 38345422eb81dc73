import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer, WebSocket } from 'ws';
import net from 'node:net';
import { startFaultProxy, type FaultEvent } from './proxy.ts';

async function echoServer(): Promise<{ port: number; close(): void }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(String(m))));
  await new Promise((r) => wss.once('listening', r));
  return { port: (wss.address() as net.AddressInfo).port, close: () => wss.close() };
}

function connect(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  return new Promise((resolve, reject) => { ws.once('open', () => resolve(ws)); ws.once('error', reject); });
}

test('cut closes an open WebSocket promptly and refuses new connections until heal', async () => {
  const echo = await echoServer();
  const events: FaultEvent[] = [];
  const proxy = await startFaultProxy({ target: { port: echo.port }, onFault: (e) => events.push(e) });
  const ws = await connect(proxy.port);
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  const t0 = Date.now();
  proxy.cut();
  await closed;
  assert.ok(Date.now() - t0 < 1000, 'close event within a second');
  await assert.rejects(connect(proxy.port));
  proxy.heal();
  const again = await connect(proxy.port);
  again.close();
  assert.deepEqual(events.map((e) => `${e.kind}:${e.phase}`), ['cut:start', 'cut:end']);
  await proxy.stop();
  echo.close();
});

test('stall holds frames and delivers them in order on heal', async () => {
  const echo = await echoServer();
  const proxy = await startFaultProxy({ target: { port: echo.port } });
  const ws = await connect(proxy.port);
  const got: string[] = [];
  ws.on('message', (m) => got.push(String(m)));
  proxy.stall();
  for (const m of ['a', 'b', 'c']) ws.send(m);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(got, [], 'nothing passes while stalled');
  proxy.heal();
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(got, ['a', 'b', 'c']);
  ws.close();
  await proxy.stop();
  echo.close();
});

test('latency delays each direction by at least the configured time, keeping order', async () => {
  const echo = await echoServer();
  const proxy = await startFaultProxy({ target: { port: echo.port } });
  const ws = await connect(proxy.port);
  proxy.latency(150);
  const t0 = Date.now();
  const got: string[] = [];
  const done = new Promise<void>((r) => ws.on('message', (m) => { got.push(String(m)); if (got.length === 3) r(); }));
  for (const m of ['1', '2', '3']) ws.send(m);
  await done;
  assert.ok(Date.now() - t0 >= 300, 'round trip crosses the proxy twice');
  assert.deepEqual(got, ['1', '2', '3']);
  ws.close();
  await proxy.stop();
  echo.close();
});

test('reset gives the client ECONNRESET and the proxy keeps accepting', async () => {
  const echo = await echoServer();
  const proxy = await startFaultProxy({ target: { port: echo.port } });
  const sock = net.connect({ port: proxy.port, host: '127.0.0.1' });
  await new Promise((r) => sock.once('connect', r));
  await new Promise((r) => setTimeout(r, 50));
  const err = new Promise<NodeJS.ErrnoException>((r) => sock.once('error', r));
  proxy.reset();
  assert.equal((await err).code, 'ECONNRESET');
  const ws = await connect(proxy.port);
  ws.close();
  await proxy.stop();
  echo.close();
});
