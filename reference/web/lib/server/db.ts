import pg from 'pg';
import { serverConfig } from './config.ts';

let pool: pg.Pool | undefined;
const LOCK_TIMEOUT = '2s';

/** DB_POOL_MAX (default 10) connections, idle ones closed after DB_POOL_IDLE_MS (default 10 s). */
export function db(): pg.Pool {
  if (!pool) {
    const c = serverConfig();
    // A write that waits on a row another transaction holds gives up after LOCK_TIMEOUT: without it, a
    // long transaction elsewhere held every pooled connection and then every route, /dev/login
    // included (found by the random workload's slow writer).
    pool = new pg.Pool({ connectionString: c.databaseUrl, max: c.poolMax, idleTimeoutMillis: c.poolIdleMs, options: `-c lock_timeout=${LOCK_TIMEOUT}` });
    pool.on('error', () => {});
  }
  return pool;
}

/**
 * Runs fn in a transaction as the user: `authenticated` role and their JWT claims, so Postgres RLS
 * decides what the request may see and change (no service-role shortcut).
 */
export async function asUser<T>(claims: { sub: string; role: string }, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db().connect();
  try {
    return await inUserTx(client, claims, fn);
  } finally {
    client.release();
  }
}

/** asUser on a connection the caller holds (it may read something as the connecting role first). */
export async function inUserTx<C extends pg.ClientBase, T>(client: C, claims: { sub: string; role: string }, fn: (c: C) => Promise<T>): Promise<T> {
  try {
    await client.query('begin');
    await client.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}

export async function asService<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db().connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

// Timestamps leave the server with microseconds: last-write-wins compares them exactly.
const ts = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "${col.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}"`;

export const AUDIO_COLUMNS = `id, user_id as "userId", name, status, size_bytes::int as "sizeBytes", duration_ms as "durationMs", error, ${ts('created_at')}, ${ts('updated_at')}`;
export const RUN_COLUMNS = `id, audio_file_id as "audioFileId", user_id as "userId", status, transcript, error, attempt, ${ts('created_at')}, ${ts('updated_at')}`;
export const USAGE_COLUMNS = `user_id as "userId", uploads_count as "uploadsCount", total_duration_ms::int as "totalDurationMs", quota_uploads as "quotaUploads", quota_duration_ms::int as "quotaDurationMs", ${ts('updated_at')}`;
