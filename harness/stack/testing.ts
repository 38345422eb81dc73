import { startPostgres, type PostgresHandle } from './postgres.ts';
import { applyMigrations, applySeed } from './migrate.ts';
import { freePort } from './ports.ts';

export const ALICE = { id: 'a11ce000-0000-4000-8000-000000000001', email: 'alice@example.test' } as const;
export const BOB = { id: 'b0b00000-0000-4000-8000-000000000002', email: 'bob@example.test' } as const;

/** A migrated, seeded Postgres on a free port, for tests. */
export async function startTestDb(opts: { seed?: boolean } = {}): Promise<PostgresHandle> {
  const db = await startPostgres({ port: await freePort() });
  try {
    await applyMigrations(db.url);
    if (opts.seed !== false) await applySeed(db.url);
  } catch (err) {
    await db.stop();
    throw err;
  }
  return db;
}
