import pg from 'pg';
import type { JWTPayload } from 'jose';
import type { Change } from './types.ts';
import type { Condition } from './filter.ts';
import { INSTALL_FILTERS } from './filter-sql.ts';
import { claimsRole } from '../auth.ts';

// Installed into the database like the real server's `realtime` schema: one call checks a row for
// many claim sets, each as a `select` by that role with those claims, in one round trip.
//
// A commit reaches the replication stream (its WAL is flushed) a moment before other sessions' new
// snapshots see it: on a busy machine the check could run in that moment, find no row for an INSERT
// and drop a change the user may see. So the check first waits until the committing transaction is
// visible to a fresh snapshot, sleeping 1 ms at a time up to 5 s; asked with `wait` false it answers
// NULL at once instead (see Authorizer.visible).
//
// Planning the select is most of a check's cost (its RLS policies are planned with it), so each
// session prepares it once per table and key and executes that; Postgres plans it again when the
// role changes or the table's policies do. The name covers the table's name and key, so a renamed
// table or a changed key gets a statement of its own.
const INSTALL = `
create schema if not exists syncwright_realtime;
create or replace function syncwright_realtime.xact_visible(x bigint)
returns boolean language plpgsql as $fn$
declare
  s pg_snapshot := pg_current_snapshot();
  xmax bigint := pg_snapshot_xmax(s)::text::bigint;
begin
  -- pgoutput gives the 32-bit xid: put it in the epoch of the snapshot's xmax (or the one before).
  return x is null
    or pg_visible_in_snapshot((((xmax >> 32) - (case when x >= (xmax & 4294967295) then 1 else 0 end)) << 32 | x)::text::xid8, s);
end
$fn$;
create or replace function syncwright_realtime.await_xact(x bigint)
returns boolean language plpgsql as $fn$
begin
  for i in 1 .. 5000 loop
    if syncwright_realtime.xact_visible(x) then
      return true;
    end if;
    perform pg_sleep(0.001);
  end loop;
  return false;
end
$fn$;
-- The signature without wait: left in place, a call could match both.
drop function if exists syncwright_realtime.visible_to(regclass, jsonb, text[], jsonb[], bigint);
create or replace function syncwright_realtime.visible_to(entity regclass, pk jsonb, roles text[], claim_sets jsonb[], xact bigint, wait boolean)
returns int[] language plpgsql as $fn$
declare
  pred text;
  key_cols smallint[];
  stmt text;
  ok boolean;
  visible int[] := '{}';
begin
  if wait then
    perform syncwright_realtime.await_xact(xact);
  elsif not syncwright_realtime.xact_visible(xact) then
    return null;
  end if;
  select string_agg(format('%I = ($1 ->> %L)::%s', a.attname, a.attname, format_type(a.atttypid, a.atttypmod)), ' and '),
         array_agg(a.attnum)
    into pred, key_cols
    from pg_index ix join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = any(ix.indkey)
   where ix.indrelid = entity and ix.indisprimary;
  if pred is null then
    return visible;
  end if;
  stmt := 'syncwright_rls_' || md5(entity::text || ' ' || pred);
  if not exists (select 1 from pg_prepared_statements where name = stmt) then
    execute format('prepare %I(jsonb) as select exists (select 1 from %s where %s)', stmt, entity, pred);
  end if;
  for i in 1 .. coalesce(array_length(claim_sets, 1), 0) loop
    -- The engine answers a role that may not select the key with the 401 before asking; this only
    -- keeps a grant revoked since from failing the whole check (the select would raise).
    if not (select bool_and(has_column_privilege(roles[i], entity, k, 'SELECT')) from unnest(key_cols) k) then
      continue;
    end if;
    perform set_config('role', roles[i], true);
    perform set_config('request.jwt.claims', claim_sets[i]::text, true);
    execute format('execute %I(%L)', stmt, pk) into ok;
    perform set_config('role', 'none', true);
    if ok then
      visible := visible || i;
    end if;
  end loop;
  return visible;
end
$fn$;
`;

const CATALOG_TTL_MS = 5_000;

export class Authorizer {
  private pool: pg.Pool;
  constructor(dbUrl: string) {
    this.pool = new pg.Pool({ connectionString: dbUrl, max: 4, idleTimeoutMillis: 10_000 });
    this.pool.on('error', () => {});
  }

  async install(): Promise<void> {
    await this.pool.query(INSTALL);
    await this.pool.query(INSTALL_FILTERS);
  }

  /**
   * The real server's subscribe-time checks of a binding's conditions and select list (see
   * filter-sql.ts). Resolves each condition's type and canonical value; rejects with Postgres's
   * error when the trigger would. A binding that passed is not asked again for a few seconds.
   */
  checkBinding(schema: string, table: string, role: string, conditions: Condition[], select?: string[]): Promise<{ sqlType: string; type: string; canon: (string | null)[] | null }[]> {
    const args = [
      `"${schema.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`, role,
      conditions.map((c) => c.column), conditions.map((c) => c.op), conditions.map((c) => c.value), select ?? null,
    ];
    return this.cached(`binding:${JSON.stringify(args)}`, () => true, async () => (await this.pool.query<{ r: { sqlType: string; type: string; canon: (string | null)[] | null }[] }>(
      'select syncwright_realtime.check_binding($1::regclass, $2, $3::text[], $4::text[], $5::text[], $6::text[]) as r', args,
    )).rows[0]!.r);
  }

  /** Evaluates boolean SQL expressions over text parameters in one round trip; NULL is false. */
  async decide(expressions: string[], params: (string | null)[]): Promise<boolean[]> {
    const { rows } = await this.pool.query({ text: `select ${expressions.map((e, i) => `${e} as c${i}`).join(', ')}`, values: params, rowMode: 'array' });
    return (rows[0] as (boolean | null)[]).map((v) => v === true);
  }

  // Catalog answers that let a join through are kept a few seconds: a dashboard fleet opening at
  // once asks the same two questions hundreds of times a second, and RLS checks share this pool.
  // A refusal is never cached, so a table added to the publication is joinable at once.
  private catalog = new Map<string, { at: number; value: unknown }>();
  private async cached<T>(key: string, ok: (v: T) => boolean, load: () => Promise<T>): Promise<T> {
    const hit = this.catalog.get(key);
    if (hit && Date.now() - hit.at < CATALOG_TTL_MS) return hit.value as T;
    const value = await load();
    if (ok(value)) this.catalog.set(key, { at: Date.now(), value });
    else this.catalog.delete(key);
    return value;
  }

  /**
   * Rejects, with Postgres's own error, a role the real server could not store a subscription for:
   * its subscription_check_filters trigger asks has_column_privilege of the claim as written, then
   * the `claims_role` column casts it to regrole (`role "x" does not exist`, 42704, from either).
   * A role that exists is not asked again for a few seconds.
   */
  checkRole(role: string): Promise<boolean> {
    return this.cached(`role:${role}`, () => true, async () => {
      await this.pool.query(`select has_database_privilege($1::text, current_database(), 'CONNECT'), $1::text::regrole`, [role]);
      return true;
    });
  }

  /**
   * Whether RLS lets `role` see every row (a superuser or BYPASSRLS role, as service_role is), so
   * its changes need no check. Any other role, custom ones included, is asked by visible_to.
   */
  private bypassesRls(role: string): Promise<boolean> {
    return this.cached(`bypass:${role}`, () => true, async () => (await this.pool.query<{ b: boolean }>(
      'select coalesce((select rolsuper or rolbypassrls from pg_roles where rolname = $1), false) as b', [role],
    )).rows[0]!.b);
  }

  /** The columns `role` may select (has_column_privilege), which are all a payload to it may carry. */
  selectable(schema: string, table: string, role: string): Promise<Set<string>> {
    return this.cached(`select:${role}:${schema}.${table}`, () => true, async () => new Set((await this.pool.query<{ name: string }>(
      `select a.attname as name
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relname = $2 and a.attnum > 0 and not a.attisdropped
          and has_column_privilege($3, c.oid, a.attnum, 'SELECT')`,
      [schema, table, role],
    )).rows.map((r) => r.name)));
  }

  tableColumns(schema: string, table: string): Promise<{ name: string; type: string }[] | undefined> {
    return this.cached(`columns:${schema}.${table}`, (v) => Boolean(v?.length), () => this.loadColumns(schema, table));
  }

  inPublication(publication: string, schema: string, table?: string): Promise<boolean> {
    return this.cached(`pub:${publication}:${schema}.${table ?? '*'}`, (v) => v, () => this.loadInPublication(publication, schema, table));
  }

  /**
   * The publication's tables, as SubscriptionManager's check_oids reads them
   * (Subscriptions.fetch_publication_tables: schema, table and the regclass oid), never cached.
   */
  async publishedTables(publication: string): Promise<{ schema: string; table: string; oid: number }[]> {
    const { rows } = await this.pool.query<{ schema: string; table: string; oid: number }>(
      `select schemaname as schema, tablename as table, format('%I.%I', schemaname, tablename)::regclass::oid::int as oid
         from pg_publication_tables where pubname = $1 order by 3`,
      [publication],
    );
    return rows;
  }

  /** ALTER PUBLICATION … ADD or DROP TABLE, as an app's migration would change it. Postgres's errors are thrown as they come. */
  async alterPublication(publication: string, op: 'add' | 'drop', schema: string, table: string): Promise<void> {
    const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
    await this.pool.query(`alter publication ${ident(publication)} ${op} table ${ident(schema)}.${ident(table)}`);
  }

  /** Drops every cached catalog answer (a publication change makes them stale). */
  forgetCatalog(): void {
    this.catalog.clear();
  }

  private async loadColumns(schema: string, table: string): Promise<{ name: string; type: string }[] | undefined> {
    const { rows } = await this.pool.query<{ name: string; type: string }>(
      `select a.attname as name, t.typname as type
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
         join pg_type t on t.oid = a.atttypid
        where n.nspname = $1 and c.relname = $2 and a.attnum > 0 and not a.attisdropped
        order by a.attnum`,
      [schema, table],
    );
    return rows.length ? rows : undefined;
  }

  private async loadInPublication(publication: string, schema: string, table?: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      `select 1 from pg_publication_tables where pubname = $1 and schemaname = $2 and ($3::text is null or tablename = $3)`,
      [publication, schema, table ?? null],
    );
    return rows.length > 0;
  }

  /** For each claim set: does a `select` of the changed row by that role and claims find it. */
  async visible(change: Change, claimSets: JWTPayload[]): Promise<boolean[]> {
    if (!change.rlsEnabled || change.type === 'DELETE') return claimSets.map(() => true);
    const result: boolean[] = await Promise.all(claimSets.map((c) => this.bypassesRls(claimsRole(c))));
    const idx = claimSets.map((_, i) => i).filter((i) => !result[i]);
    if (idx.length === 0 || !change.record) return result;
    const pk = Object.fromEntries(change.primaryKey.map((k) => [k, change.record?.[k]]));
    const entity = `"${change.schema.replace(/"/g, '""')}"."${change.table.replace(/"/g, '""')}"`;
    const args = [entity, JSON.stringify(pk), idx.map((i) => claimsRole(claimSets[i]!)), idx.map((i) => JSON.stringify(claimSets[i])), change.xid ?? null];
    // First without waiting: a commit not yet visible is asked again at once by a call that waits,
    // whose first look is immediate. The round trip between lets the committing backend finish,
    // where a wait in Postgres sleeps at least 1 ms.
    for (const wait of [false, true]) {
      const { rows } = await this.pool.query<{ v: number[] | null }>(
        'select syncwright_realtime.visible_to($1::regclass, $2::jsonb, $3::text[], $4::jsonb[], $5::bigint, $6::boolean) as v',
        [...args, wait],
      );
      // NULL: asked without waiting, the transaction was not visible yet.
      const v = rows[0]?.v;
      if (!v && !wait) continue;
      for (const one of v ?? []) result[idx[one - 1]!] = true;
      break;
    }
    return result;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
