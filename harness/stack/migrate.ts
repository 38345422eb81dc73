import pg from 'pg';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REALTIME_SCHEMA_SQL } from '../realtime/messages.ts';

export class MigrationChangedError extends Error {}

const LEDGER = `
  create schema if not exists syncwright;
  create table if not exists syncwright.schema_migrations (
    name text primary key, sha256 text not null, applied_at timestamptz not null default now()
  )`;

export interface MigrateOptions {
  /**
   * Whether to prepare the platform's realtime schema (our server's copy of it) first: yes for our
   * own Realtime server; no where the real one has made its own (the testcontainers provider).
   */
  realtimeSchema?: boolean;
}

/** Prepares the platform's realtime schema, then applies each file of `dir` once, in name order, each in its own transaction with its ledger row. */
export async function applyMigrations(dbUrl: string, dir = 'supabase/migrations', opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const client = new pg.Client({ connectionString: dbUrl });
  // A connection lost between queries is an 'error' event; the next query reports it instead.
  client.on('error', () => {});
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query(LEDGER);
    // As on Supabase, the realtime schema is there before the app's migrations, which may write
    // policies on realtime.messages.
    if (opts.realtimeSchema !== false) await client.query(REALTIME_SCHEMA_SQL);
    const { rows } = await client.query<{ name: string; sha256: string }>('select name, sha256 from syncwright.schema_migrations');
    const done = new Map(rows.map((r) => [r.name, r.sha256]));
    for (const name of files) {
      const sql = await readFile(path.join(dir, name), 'utf8');
      const sha = createHash('sha256').update(sql).digest('hex');
      const prior = done.get(name);
      if (prior === sha) continue;
      if (prior) {
        throw new MigrationChangedError(
          `migration ${path.join(dir, name)} was changed after it was applied (sha256 ${prior.slice(0, 12)} → ${sha.slice(0, 12)}); ` +
          'add a new migration instead of editing an applied one',
        );
      }
      await client.query('begin');
      try {
        await client.query(sql);
        await client.query('insert into syncwright.schema_migrations (name, sha256) values ($1, $2)', [name, sha]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${name} failed: ${(err as Error).message}`);
      }
      applied.push(name);
    }
  } finally {
    await client.end();
  }
  return { applied };
}

export async function applySeed(dbUrl: string, file = 'supabase/seed.sql'): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  // A connection lost between queries is an 'error' event; the next query reports it instead.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`begin; ${await readFile(file, 'utf8')}; commit;`);
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw new Error(`seed ${file} failed: ${(err as Error).message}`);
  } finally {
    await client.end();
  }
}
