// The gateway in front of the real Realtime container, checked against a stand-in upstream that
// records what reaches it (Docker is not needed): the unmodified supabase-js, given the gateway's
// URL and an opaque key, must arrive at Realtime's own socket path with the seeded tenant's Host and
// the key's JWT, as it does through Kong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import WebSocket from 'ws';
import { createClient } from '@supabase/supabase-js';
import { startGateway, upstreamPath, type Gateway } from './gateway.ts';
import { freePort } from '../ports.ts';
import { DEFAULT_PUBLISHABLE_KEY } from '../keys.ts';

const TENANT_HOST = 'realtime-dev.supabase-realtime';
const ANON_JWT = 'eyJhbGciOiJIUzI1NiJ9.anon.jwt';
const JWKS = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'PRIVATE', kid: 'k1', alg: 'ES256' }] };

interface Seen { method: string; url: string; host?: string; apiKeyHeader?: string; authorization?: string; body: string }
const seen: Seen[] = [];
const upgrades: Seen[] = [];
let upstream: http.Server;
let upstreamUrl: string;
let gateway: Gateway;

before(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, host: req.headers.host, authorization: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  // The real server's socket: a join, a leave and a heartbeat are answered ok, as Phoenix does for a public channel.
  const wss = new WebSocketServer({ noServer: true });
  upstream.on('upgrade', (req, socket, head) => {
    upgrades.push({ method: 'GET', url: req.url!, host: req.headers.host, apiKeyHeader: req.headers['x-api-key'] as string | undefined, body: '' });
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as unknown[] | { event: string; topic: string; ref: string; join_ref?: string };
      // supabase-js 2.119 speaks vsn 2.0.0: [join_ref, ref, topic, event, payload].
      const [joinRef, ref, topic, event] = Array.isArray(msg) ? msg : [msg.join_ref, msg.ref, msg.topic, msg.event];
      if (event === 'phx_join') ws.send(JSON.stringify([joinRef, ref, topic, 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }]));
      if (event === 'phx_leave' || event === 'heartbeat') ws.send(JSON.stringify([joinRef ?? null, ref, topic, 'phx_reply', { status: 'ok', response: {} }]));
    }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startGateway({
    port: await freePort(), upstream: upstreamUrl, tenantHost: TENANT_HOST,
    apiKeys: { [DEFAULT_PUBLISHABLE_KEY]: ANON_JWT }, jwks: JWKS,
  });
});

after(async () => {
  await gateway.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

test("Kong's routes: the socket and the REST API of /realtime/v1 go to Realtime's /socket and /api; /health to /healthcheck", () => {
  assert.equal(upstreamPath('/realtime/v1/websocket?apikey=k&vsn=2.0.0'), '/socket/websocket?apikey=k&vsn=2.0.0');
  assert.equal(upstreamPath('/realtime/v1/api/broadcast'), '/api/broadcast');
  assert.equal(upstreamPath('/realtime/v1/api/broadcast/room/events/note'), '/api/broadcast/room/events/note');
  assert.equal(upstreamPath('/health'), '/healthcheck');
  assert.equal(upstreamPath('/rest/v1/audio_files'), undefined);
  assert.equal(upstreamPath('/realtime/v2/websocket'), undefined);
});

test('the unmodified supabase-js with a publishable key joins through the gateway: /socket/websocket, the tenant Host, the key swapped for its JWT', { timeout: 20_000 }, async () => {
  const sb = createClient(gateway.url, DEFAULT_PUBLISHABLE_KEY, { realtime: { transport: WebSocket as never } });
  const status = await new Promise<string>((resolve) => sb.channel('room').subscribe((s) => { if (s !== 'CLOSED') resolve(s); }));
  await sb.removeAllChannels();
  assert.equal(status, 'SUBSCRIBED');
  const up = upgrades.at(-1)!;
  const url = new URL(up.url, 'http://x');
  assert.equal(url.pathname, '/socket/websocket');
  assert.equal(url.searchParams.get('apikey'), ANON_JWT);
  assert.equal(url.searchParams.get('vsn'), '2.0.0');
  assert.equal(up.apiKeyHeader, ANON_JWT);
  assert.equal(up.host, TENANT_HOST);
});

test('a REST broadcast reaches /api/broadcast with the tenant Host, the key as a bearer JWT and its body', async () => {
  const res = await fetch(`${gateway.url}/realtime/v1/api/broadcast`, {
    method: 'POST', headers: { apikey: DEFAULT_PUBLISHABLE_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ topic: 'room', event: 'note', payload: { n: 1 } }] }),
  });
  assert.equal(res.status, 200);
  const got = seen.at(-1)!;
  assert.deepEqual({ method: got.method, url: got.url, host: got.host, authorization: got.authorization }, {
    method: 'POST', url: '/api/broadcast', host: TENANT_HOST, authorization: `Bearer ${ANON_JWT}`,
  });
  assert.deepEqual(JSON.parse(got.body), { messages: [{ topic: 'room', event: 'note', payload: { n: 1 } }] });
});

test('the JWKS is served by the gateway, public members only; other paths are 404 and never reach Realtime', async () => {
  const before = seen.length;
  const jwks = await (await fetch(`${gateway.url}/auth/v1/.well-known/jwks.json`)).json() as { keys: Record<string, unknown>[] };
  assert.equal(jwks.keys[0]!.kid, 'k1');
  assert.equal(jwks.keys[0]!.d, undefined);
  assert.equal((await fetch(`${gateway.url}/rest/v1/audio_files`)).status, 404);
  assert.equal(seen.length, before, 'nothing proxied');
  assert.equal(await (await fetch(`${gateway.url}/health`)).text(), 'ok');
  assert.equal(seen.at(-1)!.url, '/healthcheck');
});

test('with the container gone, a request gets 502 and the gateway keeps serving', async () => {
  const dead = await startGateway({ port: await freePort(), upstream: `http://127.0.0.1:${await freePort()}`, tenantHost: TENANT_HOST, apiKeys: {} });
  try {
    assert.equal((await fetch(`${dead.url}/health`)).status, 502);
    assert.equal((await fetch(`${dead.url}/health`)).status, 502);
  } finally {
    await dead.stop();
  }
});
