// The feed confirms the commits it handled to Postgres a moment later, once for a burst: the slot's
// confirmed position still reaches the last one, so the walsender can let go of its WAL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startFreshDb } from '../../stack/fresh-db.ts';
import type { PostgresHandle } from '../../stack/postgres.ts';
import { ALICE } from '../../stack/seed-users.ts';
import { waitFor } from '../rig.ts';
import { ChangeFeed } from './feed.ts';
import type { Change } from './types.ts';

let db: PostgresHandle;
let client: pg.Client;
before(async () => {
  db = await startFreshDb();
  client = new pg.Client(db.url);
  await client.connect();
});
after(async () => {
  await client.end();
  await db.stop();
});

test('the commits a feed handled are confirmed to Postgres within a moment', async () => {
  const feed = new ChangeFeed({ dbUrl: db.url, publications: ['supabase_realtime'], slotName: 'feed_confirm_test' });
  const seen: Change[] = [];
  feed.on('transaction', (changes: Change[]) => seen.push(...changes));
  await feed.start();
  try {
    await waitFor(() => feed.status === 'streaming' || undefined, 10_000, 'streaming');
    for (let i = 0; i < 5; i++) await client.query(`insert into audio_files (user_id, name) values ($1, $2)`, [ALICE.id, `confirm-${i}.wav`]);
    await waitFor(() => seen.length >= 5 || undefined, 10_000, 'five inserts');
    const last = seen.at(-1)!.lsn;
    const confirmed = async () => (await client.query<{ ok: boolean }>(
      `select confirmed_flush_lsn >= $1::pg_lsn as ok from pg_replication_slots where slot_name = 'feed_confirm_test'`, [last],
    )).rows[0]?.ok;
    const t0 = Date.now();
    while (!(await confirmed()) && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await confirmed(), true, `the slot confirms up to the last commit (${last}) within 2 s`);
  } finally {
    await feed.stop();
  }
});

test('a feed starts even when a gone server\'s backend makes its slot first, once an open transaction ends', async () => {
  const slotName = 'feed_raced_test';
  // A transaction holds an id open: making a logical slot waits for it to end.
  const held = new pg.Client(db.url);
  await held.connect();
  await held.query('begin');
  await held.query(`insert into audio_files (user_id, name) values ($1, 'held.wav')`, [ALICE.id]);
  // A server that went away while its slot was being made: its backend still makes it, first in line.
  const gone = new pg.Client(db.url);
  gone.on('error', () => {}); // the new server ends that backend
  await gone.connect();
  const theirs = gone.query(`select pg_create_logical_replication_slot($1, 'pgoutput')`, [slotName]).catch((e: Error) => e);
  await waitFor(async () => (await client.query(`select 1 from pg_stat_activity where query like '%pg_create_logical_replication_slot%' and state = 'active' and pid <> pg_backend_pid()`)).rowCount || undefined, 5_000, 'the gone server\'s backend waiting');
  const feed = new ChangeFeed({ dbUrl: db.url, publications: ['supabase_realtime'], slotName });
  const started = feed.start();
  await new Promise((r) => setTimeout(r, 300));
  await held.query('commit');
  await held.end();
  try {
    await started;
    await waitFor(() => feed.status === 'streaming' || undefined, 10_000, 'streaming');
  } finally {
    await feed.stop();
    await theirs;
    await gone.end();
    await client.query(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active`, [slotName]);
  }
});
