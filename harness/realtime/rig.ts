// A Realtime server in this process on a fresh database, and the unmodified supabase-js pointed at
// it: the rig of the server's integration tests (test/) and of `npm run bench:latency`, which is why
// it lives beside the server and not among the tests.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import pg from 'pg';
import { startFreshDb } from '../stack/fresh-db.ts';
import { DEFAULT_JWT_SECRET, DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, mintAnonKey, mintServiceRoleKey, mintUserToken } from '../stack/keys.ts';
import { isAsymmetric, projectKeys, type JwtAlg, type ProjectKeys } from '../stack/signing.ts';
import { startRealtime, type RealtimeOptions, type RealtimeServer } from './server.ts';
import type { Limits } from './limits.ts';
import type { PostgresHandle } from '../stack/postgres.ts';

export interface Rig {
  db: PostgresHandle; server: RealtimeServer;
  /** The project's keys (HS256 with the default secret unless the rig was asked for another alg) and the JWTs they signed. */
  keys: ProjectKeys; anonKey: string; serviceRoleKey: string;
  /** A user's access token signed with the project's key. */
  userToken(user: { id: string; email: string }, expiresInS?: number): Promise<string>;
  stop(): Promise<void>;
}

export type RigOptions = Pick<RealtimeOptions, 'subscribeDelayMs' | 'jwtJwks' | 'profile' | 'timing'> & { jwtAlg?: JwtAlg };

/**
 * A fresh seeded database and a Realtime server on free ports, as `syncwright up` sets it up: its
 * keys signed by `jwtAlg` (and its JWKS served), the Supabase CLI's sb_ keys swapped for them. `stop()` ends both.
 */
export async function startRig(limits?: Partial<Limits>, opts: RigOptions = {}): Promise<Rig> {
  const onLog = process.env.RT_DEBUG ? (l: string) => console.error(`[rt] ${l}`) : undefined;
  const { jwtAlg = 'HS256', ...serverOpts } = opts;
  const keys = await projectKeys(jwtAlg, DEFAULT_JWT_SECRET);
  const [anonKey, serviceRoleKey] = await Promise.all([mintAnonKey(keys.signer), mintServiceRoleKey(keys.signer)]);
  const db = await startFreshDb();
  const server = await startRealtime({
    port: 0, dbUrl: db.url, jwtSecret: DEFAULT_JWT_SECRET, limits, onLog,
    jwtJwks: isAsymmetric(jwtAlg) ? keys.jwks : undefined,
    apiKeys: { [DEFAULT_PUBLISHABLE_KEY]: anonKey, [DEFAULT_SECRET_KEY]: serviceRoleKey },
    ...serverOpts,
  });
  return {
    db, server, keys, anonKey, serviceRoleKey,
    userToken: (user, expiresInS) => mintUserToken(keys.signer, user, expiresInS),
    async stop() { await server.stop(); await db.stop(); },
  };
}

/** A rig plus a service connection to its database, for tests that commit changes themselves. */
export async function startRigWithDb(limits?: Partial<Limits>, opts: RigOptions = {}): Promise<{ rig: Rig; db: pg.Client; stop(): Promise<void> }> {
  const rig = await startRig(limits, opts);
  const db = new pg.Client(rig.db.url);
  db.on('error', () => {});
  await db.connect();
  return { rig, db, async stop() { await db.end(); await rig.stop(); } };
}

/** The unmodified supabase-js, as an app would create it; Node 20 has no global WebSocket. */
export function client(rig: Rig, opts: { vsn?: '1.0.0' | '2.0.0'; url?: string; token?: () => Promise<string>; key?: string } = {}): SupabaseClient {
  return createClient(opts.url ?? rig.server.url, opts.key ?? rig.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    // supabase-js hands a third-party JWT to realtime through accessToken; setAuth alone is undone on rejoin.
    ...(opts.token ? { accessToken: opts.token } : {}),
    realtime: { transport: WebSocket as never, ...(opts.vsn ? { vsn: opts.vsn } : {}), heartbeatIntervalMs: 25_000 } as never,
  });
}

export const userToken = (user: { id: string; email: string }, expiresInS?: number) => mintUserToken(DEFAULT_JWT_SECRET, user, expiresInS);

/** Opens a socket at `query` that the server refuses at upgrade: the HTTP status and body it answered. */
export function refusedUpgrade(rig: Rig, query: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`${rig.server.url.replace('http', 'ws')}/realtime/v1/websocket?${query}`);
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => {});
  });
}

export function waitFor<T>(fn: () => T | undefined, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = fn();
      if (v !== undefined && v !== false) return resolve(v as T);
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

export function subscribed(channel: { subscribe(cb: (s: string, e?: Error) => void): unknown }): Promise<{ status: string; err?: Error }> {
  return new Promise((resolve) => {
    channel.subscribe((status, err) => {
      if (status !== 'CLOSED') resolve({ status, err });
    });
  });
}
