import http from 'node:http';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import { ChangeEngine } from './changes/engine.ts';
import { checkToken, type JwtKeys } from './auth.ts';
import { DEFAULT_LIMITS, MAX_FRAME_BYTES, type Limits } from './limits.ts';
import { Connection } from './connection.ts';
import { Tenant } from './tenant.ts';
import { ChannelPolicies } from './policies.ts';
import { MESSAGES_TABLE, broadcastRows } from './db-broadcast.ts';
import { CONTROL_ROUTES } from './control.ts';
import { DEFAULT_PROFILE, type Profile } from './profile.ts';
import { Limiter } from './limiter.ts';
import { ProjectConnection } from './connect.ts';
import { REAL_TIMING, sleep, type Timing } from './timing.ts';
import { BROADCAST_PATH, restBroadcast } from './rest-broadcast.ts';
import { SOCKET_PATH, VSN_1, VSN_2, type Vsn } from './constants.ts';
import { gatewayHttp, gatewaySocket, serveJwks, type ApiKeys } from './gateway.ts';

export interface RealtimeOptions {
  port: number;
  host?: string;
  dbUrl: string;
  jwtSecret: string;
  /** The project's signing keys (public JWKs, and `oct` keys by kid), for tokens an asymmetric key signed. */
  jwtJwks?: JwtKeys['jwks'];
  /** The project's opaque API keys (`sb_publishable_…`, `sb_secret_…`) and the JWT the gateway swaps each for (gateway.ts). */
  apiKeys?: ApiKeys;
  limits?: Partial<Limits>;
  /** Delay before a join's postgres_changes go live and are acked (default 0); see Tenant. */
  subscribeDelayMs?: number;
  /** How faithfully the server fails (profile.ts; default faithful). */
  profile?: Profile;
  /** Shorter waits and windows than the real server's, for tests (timing.ts); the CLI never sets them. */
  timing?: Partial<Timing>;
  onLog?: (line: string) => void;
}

export interface RealtimeServer {
  port: number;
  url: string;
  profile: Profile;
  engine: ChangeEngine;
  tenant: Tenant;
  stop(): Promise<void>;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Connect's pipeline against the database (connect.ts): a held outage refuses at once, or, when
 * slow, answers only once it is over; otherwise a real connection and `select 1`, within Postgrex's
 * default connect timeout of 5 s.
 */
async function probeDatabase(engine: ChangeEngine, dbUrl: string): Promise<boolean> {
  const outage = engine.outage();
  if (outage && !outage.slow) return false;
  if (outage) await sleep(outage.until - Date.now());
  const client = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    void client.end().catch(() => {});
  }
}

/**
 * The Supabase Realtime surface at /realtime/v1/websocket, plus /health and the harness's control
 * (control.ts), behind a stand-in for the API gateway (gateway.ts): opaque API keys and the JWKS route.
 */
export async function startRealtime(opts: RealtimeOptions): Promise<RealtimeServer> {
  const log = opts.onLog ?? (() => {});
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const timing: Timing = { ...REAL_TIMING, ...opts.timing };
  const faithful = profile === 'faithful';
  // The realtime schema (and the messages publication the engine also reads) first.
  const policies = new ChannelPolicies(opts.dbUrl);
  await policies.install();
  const limiter = new Limiter(limits, profile, timing, log);
  const engine = new ChangeEngine({
    dbUrl: opts.dbUrl, slotName: `syncwright_realtime_${opts.port || process.pid}`, onLog: log, maxRecordBytes: limits.maxRecordBytes, other: MESSAGES_TABLE,
    resume: !faithful, gate: limiter.changes,
  });
  const connection = faithful ? new ProjectConnection(() => probeDatabase(engine, opts.dbUrl), timing.connectReadyMs) : undefined;
  const tenant = new Tenant(limits, { secret: opts.jwtSecret, jwks: opts.jwtJwks }, engine, log, { subscribeDelayMs: opts.subscribeDelayMs, policies, profile, timing, connection, limiter });
  engine.onOtherRows((rows) => broadcastRows(tenant, rows, log));
  engine.onStatus((s) => {
    log(`replication ${s}`);
    if (s === 'reconnecting' && profile === 'faithful') tenant.postgresDown();
  });
  await engine.start();
  // SubscriptionManager's :check_oids: the publication's tables are read now and every minute.
  await engine.checkPublication();
  const publicationCheck = faithful ? setInterval(() => void tenant.checkPublication().catch((e) => log(`CheckOidsError: ${(e as Error).message}`)), timing.publicationCheckMs) : undefined;
  publicationCheck?.unref();

  // ws closes the socket with 1009 itself when a frame is over the limit.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const apiKeys = opts.apiKeys ?? {};
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (serveJwks(url, res, opts.jwtJwks)) return;
    gatewayHttp(req, apiKeys);
    if (url.pathname === '/health' || url.pathname === '/realtime/v1/health') {
      const ok = engine.streaming();
      return json(res, ok ? 200 : 503, { status: ok ? 'ok' : 'replication not streaming', connections: tenant.users.size });
    }
    const control = CONTROL_ROUTES[url.pathname];
    if (control) {
      void control(req, tenant).then((r) => json(res, r.status, r.body), () => json(res, 500, { code: 'internal', error: 'control failed' }));
      return;
    }
    if (url.pathname.startsWith(BROADCAST_PATH)) {
      void restBroadcast(req, tenant).then(
        (r) => (r.body === undefined ? res.writeHead(r.status).end() : json(res, r.status, r.body)),
        () => json(res, 500, { message: 'Unknown error' }),
      );
      return;
    }
    json(res, 404, { error: 'not found' });
  });

  server.on('upgrade', (req, socket, head) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      gatewaySocket(req, url, apiKeys);
      const refuse = (status: number, error: string) => {
        socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error })}`);
      };
      if (url.pathname !== SOCKET_PATH && url.pathname !== `${SOCKET_PATH}/`) return refuse(404, 'not found');
      // As UserSocket.connect reads it: the x-api-key header (the gateway's) before the apikey parameter.
      const apiKey = (req.headers['x-api-key'] as string | undefined) ?? url.searchParams.get('apikey');
      if (!apiKey) return refuse(401, 'API key is missing');
      const check = await checkToken(tenant.jwt, apiKey);
      if (!check.ok) return refuse(401, check.code === 'InvalidJWTToken' && check.message.startsWith('Token has expired') ? 'Token has expired' : check.message);
      if (tenant.users.size >= limits.maxConcurrentUsers) return refuse(429, 'Too many connected users');
      const vsnParam = url.searchParams.get('vsn') ?? VSN_1;
      if (vsnParam !== VSN_1 && vsnParam !== VSN_2) return refuse(400, `Unsupported serializer version: ${vsnParam}`);
      wss.handleUpgrade(req, socket, head, (ws) => new Connection(ws, tenant, vsnParam as Vsn, apiKey));
    })().catch(() => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    profile,
    engine,
    tenant,
    async stop() {
      clearInterval(publicationCheck);
      limiter.close();
      connection?.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      await engine.stop();
      await policies.close();
    },
  };
}
