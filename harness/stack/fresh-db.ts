// A database of one's own: what the Realtime server's integration tests, the reference app's and
// worker's tests and the latency bench run against. `syncwright up` boots its Postgres in bootStack
// (up.ts) instead, phase by phase, to time and report each.
import { startPostgres, type PostgresHandle } from './postgres.ts';
import { applyMigrations, applySeed } from './migrate.ts';
import { freePort } from './ports.ts';

/** A migrated (and, unless `seed: false`, seeded) Postgres on a free port, so any number can run at once. */
export async function startFreshDb(opts: { seed?: boolean } = {}): Promise<PostgresHandle> {
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
