import { test, expect, finalReads } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

// Process faults act on the stack's own processes: these run against a local stack only (@local),
// one of this spec's own, so a restart never disturbs the specs sharing the run's stack.
test.use({ privateStack: true });
test('Realtime server restart mid-stream: the client reconnects and converges via sync @local', async ({ openClient, db, user, stack, history }) => {
  expect(stack.local, 'process faults need the local stack').toBeDefined();
  const id = await seedFile(db, user, 'restart.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  history.add('nemesis', 'info', 'fault', { kind: 'realtime-restart', phase: 'start' });
  const restarting = stack.local!.realtime.restart();
  const at = await serverRename(db, id, 'renamed-during-restart.wav', history);
  await restarting;
  history.add('nemesis', 'info', 'fault', { kind: 'realtime-restart', phase: 'end' });
  await alice.waitConnected(30_000);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 15_000 });
  await finalReads([alice], db, user, history);
});

test('Postgres restart: changes committed after it still reach the client @local', async ({ openClient, db, user, stack, history }) => {
  expect(stack.local, 'process faults need the local stack').toBeDefined();
  const id = await seedFile(db, user, 'pg-restart.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  history.add('nemesis', 'info', 'fault', { kind: 'postgres-restart', phase: 'start' });
  await stack.local!.postgres.restart();
  history.add('nemesis', 'info', 'fault', { kind: 'postgres-restart', phase: 'end' });
  const pg = await import('pg');
  const fresh = new pg.default.Client({ connectionString: stack.info.dbUrl });
  await fresh.connect();
  const at = await serverRename(fresh, id, 'after-pg-restart.wav', history);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 20_000 });
  await finalReads([alice], fresh, user, history);
  await fresh.end();
});

test('a worker killed mid-run leaves nothing stuck: another takes the run over after its lease @local', async ({ openClient, db, user, stack }) => {
  const worker = stack.local?.workers[0];
  expect(worker, 'needs the local worker').toBeDefined();
  const alice = await openClient();
  const id = await (await import('./helpers.ts')).seedFile(db, user, 'killed-mid-run.wav', 'processing');
  // The state a worker leaves when it dies mid-run: a processing run whose lease will lapse.
  await db.query(`insert into transcript_runs (audio_file_id, user_id, status, lease_owner, lease_expires_at)
    values ($1, $2, 'processing', 'worker-that-died', now() + interval '1 second')`, [id, user.id]);
  worker!.kill('SIGKILL');
  await worker!.restart!();
  await expect(alice.row(id)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  const runs = await db.query(`select status, attempt, lease_owner from transcript_runs where audio_file_id = $1`, [id]);
  expect(runs.rows.map((r) => r.status)).toEqual(['succeeded']);
  expect(runs.rows[0].attempt, 'taken over as a second attempt').toBe(2);
});
