// The API gateway in front of the real Realtime container: what Kong is in a real Supabase, so
// that the unmodified supabase-js, given the stack's supabaseUrl, reaches the real server.
//
// - Kong's routes (supabase/supabase docker/volumes/api/kong.yml): `/realtime/v1/api/…` goes to
//   Realtime's `/api/…` (the REST broadcast), any other `/realtime/v1/…` to `/socket/…` (the socket
//   supabase-js opens at `/realtime/v1/websocket`).
// - The Host header is the tenant's: Realtime takes the tenant from its first label
//   (`realtime-dev.…`), as Kong's upstream host gives it; the client's own Host (127.0.0.1:port,
//   or a fault proxy's) would name no tenant.
// - The opaque API keys, the JWKS and what an unknown key gets are as in our own server's gateway
//   stand-in (harness/realtime/gateway.ts), which this reuses.
// - `/health` is ours, not Kong's: it answers what Realtime's `/healthcheck` does, so the checks
//   the harness makes of a running stack (`syncwright load`) work the same on both providers.
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { JWK } from 'jose';
import { createProxyServer } from 'http-proxy-3';
import { gatewayHttp, gatewaySocket, serveJwks, type ApiKeys } from '../../realtime/gateway.ts';

const ROUTES: [from: string, to: string][] = [
  ['/realtime/v1/api/', '/api/'],
  ['/realtime/v1/', '/socket/'],
];

/** The path and query a request for `pathAndQuery` has on the Realtime server; undefined when no route takes it (404). */
export function upstreamPath(pathAndQuery: string): string | undefined {
  const url = new URL(pathAndQuery, 'http://gateway');
  if (url.pathname === '/health') return `/healthcheck${url.search}`;
  for (const [from, to] of ROUTES) {
    if (url.pathname.startsWith(from)) return `${to}${url.pathname.slice(from.length)}${url.search}`;
  }
  return undefined;
}

export interface GatewayOptions {
  port: number;
  /** The Realtime container as this machine reaches it, e.g. http://localhost:32768. */
  upstream: string;
  /** The Host header Realtime reads the tenant from. */
  tenantHost: string;
  apiKeys: ApiKeys;
  jwks?: { keys: JWK[] };
  onLog?: (line: string) => void;
}

export interface Gateway { url: string; stop(): Promise<void> }

function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message: 'no Route matched with those values' }));
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const log = opts.onLog ?? (() => {});
  const proxy = createProxyServer({ target: opts.upstream, headers: { host: opts.tenantHost } });
  // The container gone or restarting: the client gets 502 (a socket is closed), as from Kong.
  proxy.on('error', (err: Error, _req: http.IncomingMessage, res: http.ServerResponse | net.Socket) => {
    log(`[gateway] upstream ${opts.upstream}: ${err.message}`);
    if (res instanceof http.ServerResponse) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'An invalid response was received from the upstream server' }));
    } else {
      res.destroy();
    }
  });
  const sockets = new Set<Duplex>();
  const server = http.createServer((req, res) => {
    if (serveJwks(new URL(req.url ?? '/', 'http://gateway'), res, opts.jwks)) return;
    const to = upstreamPath(req.url ?? '/');
    if (to === undefined) return notFound(res);
    gatewayHttp(req, opts.apiKeys);
    req.url = to;
    proxy.web(req, res);
  });
  server.on('connection', (s) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Swaps a known opaque apikey for its JWT, in the query and in x-api-key (req.url is rewritten).
    gatewaySocket(req, new URL(req.url ?? '/', 'http://gateway'), opts.apiKeys);
    const to = upstreamPath(req.url ?? '/');
    if (to === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    req.url = to;
    proxy.ws(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return {
    url: `http://127.0.0.1:${opts.port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      proxy.close();
    },
  };
}
