// Our migrations apply both on a bare Postgres (the local stack) and on one where Supabase's
// platform is already there, as in supabase/postgres (the testcontainers provider, `supabase
// start`): the platform's auth.users and its empty supabase_realtime publication must not make them
// fail, and the three contract tables end up published either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pg from 'pg';
import { startPostgres, type PostgresHandle } from './postgres.ts';
import { applyMigrations, applySeed } from './migrate.ts';
import { freePort } from './ports.ts';
import { ROOT } from '../root.ts';

const MIGRATIONS = path.join(ROOT, 'supabase/migrations');
const SEED = path.join(ROOT, 'supabase/seed.sql');

// What supabase/postgres's init scripts make that our migrations also stand in for
// (migrations/db/init-scripts/00000000000000-initial-schema.sql and -01-auth-schema.sql, abridged).
const PLATFORM = `
  create publication supabase_realtime;
  do $$ begin
    if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
    if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
  end $$;
  create schema auth;
  create table auth.users (
    instance_id uuid null, id uuid not null unique, aud varchar(255) null, "role" varchar(255) null,
    email varchar(255) null unique, encrypted_password varchar(255) null, raw_app_meta_data jsonb null,
    created_at timestamptz null, updated_at timestamptz null, constraint users_pkey primary key (id));
  create or replace function auth.uid() returns uuid language sql stable as $f$
    select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $f$;`;

let server: PostgresHandle;
const urlOf = (db: string) => server.url.replace(/\/postgres$/, `/${db}`);

async function query<T extends pg.QueryResultRow>(db: string, sql: string): Promise<T[]> {
  const c = new pg.Client(urlOf(db));
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

const published = (db: string) => query<{ tablename: string }>(db,
  `select tablename from pg_publication_tables where pubname = 'supabase_realtime' order by tablename`).then((r) => r.map((x) => x.tablename));
const hasMessages = (db: string) => query<{ t: string | null }>(db, `select to_regclass('realtime.messages')::text as t`).then((r) => r[0]!.t !== null);

before(async () => {
  server = await startPostgres({ port: await freePort() });
  await query('postgres', 'create database platform');
  await query('postgres', 'create database bare');
});
after(() => server?.stop());

test('on a database with Supabase platform objects, the migrations and seed apply and publish the contract tables', { timeout: 60_000 }, async () => {
  await query('platform', PLATFORM);
  const { applied } = await applyMigrations(urlOf('platform'), MIGRATIONS, { realtimeSchema: false });
  assert.equal(applied.length, 5);
  await applySeed(urlOf('platform'), SEED);
  assert.deepEqual(await published('platform'), ['audio_files', 'transcript_runs', 'usage_logs']);
  // The platform's auth.users stays (theirs has more columns); the seed's users are in it.
  const cols = await query<{ column_name: string }>('platform', `select column_name from information_schema.columns where table_schema = 'auth' and table_name = 'users'`);
  assert.ok(cols.some((c) => c.column_name === 'encrypted_password'));
  assert.equal((await query<{ n: number }>('platform', 'select count(*)::int as n from auth.users'))[0]!.n, 2);
  assert.equal(await hasMessages('platform'), false, 'realtimeSchema: false leaves the realtime schema to the real server');
});

test('on a bare database they make the stand-ins themselves, with our realtime schema', { timeout: 60_000 }, async () => {
  await applyMigrations(urlOf('bare'), MIGRATIONS);
  await applySeed(urlOf('bare'), SEED);
  assert.deepEqual(await published('bare'), ['audio_files', 'transcript_runs', 'usage_logs']);
  assert.equal(await hasMessages('bare'), true);
});
