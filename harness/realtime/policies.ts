// Private channels are authorized as the real server authorizes them (Realtime.Tenants.Authorization):
// RLS policies on realtime.messages decide, run by the token's role with its claims and the topic
// set for realtime.topic().
// - Read: a probe row per extension is inserted for the topic (as the server's own role, past RLS),
//   then selected as the user; a row that comes back grants that extension's read.
// - Write: a row inserted as the user passes the policies' WITH CHECK, or fails with
//   insufficient_privilege.
// Both run in a transaction that is rolled back, so nothing is left in the table.
import pg from 'pg';
import type { JWTPayload } from 'jose';
import { REALTIME_SCHEMA_SQL } from './messages.ts';
import { claimsRole } from './auth.ts';

export type Extension = 'broadcast' | 'presence';

/** Per extension: granted, refused, or not asked yet (presence is asked only once it is used). */
export interface Policies { broadcast: { read?: boolean; write?: boolean }; presence: { read?: boolean; write?: boolean } }

export interface AuthContext { topic: string; claims: JWTPayload; headers?: Record<string, string> }

const INSUFFICIENT_PRIVILEGE = '42501';

export function noPolicies(): Policies {
  return { broadcast: {}, presence: {} };
}

export class ChannelPolicies {
  private pool: pg.Pool;

  constructor(dbUrl: string) {
    this.pool = new pg.Pool({ connectionString: dbUrl, max: 2, idleTimeoutMillis: 10_000 });
    this.pool.on('error', () => {});
  }

  async install(): Promise<void> {
    await this.pool.query(REALTIME_SCHEMA_SQL);
  }

  /**
   * Fills in the read policies of `extensions`. A policy that raises (a role that does not exist, a
   * broken policy) counts as refused, as the real server answers it with "Unauthorized".
   */
  async read(ctx: AuthContext, extensions: readonly Extension[], into: Policies): Promise<Policies> {
    const out = structuredClone(into);
    const probes = extensions.map((extension) => ({ extension, id: crypto.randomUUID() }));
    const granted = await this.asUser(ctx, async (c) => {
      // Inserted before the role is set: the probes must exist whatever the insert policies say.
      for (const p of probes) await c.query('insert into realtime.messages (id, topic, extension) values ($1, $2, $3)', [p.id, ctx.topic, p.extension]);
      await this.setUser(c, ctx);
      const { rows } = await c.query<{ id: string }>('select id from realtime.messages where id = any($1::uuid[])', [probes.map((p) => p.id)]);
      return new Set(rows.map((r) => r.id));
    }).catch(() => new Set<string>());
    for (const p of probes) out[p.extension].read = granted.has(p.id);
    return out;
  }

  /** Fills in the write policies of `extensions`, each in its own savepoint so one refusal does not end the check. */
  async write(ctx: AuthContext, extensions: readonly Extension[], into: Policies): Promise<Policies> {
    const out = structuredClone(into);
    const allowed = await this.asUser(ctx, async (c) => {
      await this.setUser(c, ctx);
      const result: Partial<Record<Extension, boolean>> = {};
      for (const extension of extensions) {
        await c.query('savepoint probe');
        try {
          await c.query('insert into realtime.messages (topic, extension) values ($1, $2)', [ctx.topic, extension]);
          result[extension] = true;
        } catch (err) {
          if ((err as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw err;
          result[extension] = false;
          await c.query('rollback to savepoint probe');
        }
      }
      return result;
    }).catch(() => ({} as Partial<Record<Extension, boolean>>));
    for (const extension of extensions) out[extension].write = allowed[extension] ?? false;
    return out;
  }

  private async asUser<T>(ctx: AuthContext, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('begin');
      return await fn(c);
    } finally {
      await c.query('rollback').catch(() => {});
      c.release();
    }
  }

  /** The session the policies see, as Authorization.set_conn_config sets it. */
  private async setUser(c: pg.PoolClient, ctx: AuthContext): Promise<void> {
    const role = claimsRole(ctx.claims);
    await c.query(
      `select set_config('role', $1, true), set_config('realtime.topic', $2, true), set_config('request.jwt.claims', $3, true),
              set_config('request.jwt.claim.sub', $4, true), set_config('request.jwt.claim.role', $1, true), set_config('request.headers', $5, true)`,
      [role, ctx.topic, JSON.stringify(ctx.claims), typeof ctx.claims.sub === 'string' ? ctx.claims.sub : '', JSON.stringify(ctx.headers ?? {})],
    );
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
