// The sync cursor against real Postgres: a write stamped before a sync but committed after it must
// reach the client's next sync (the route's own readSync, both cursors: safe and planted stamp-cursor).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startFreshDb } from '../../../../harness/stack/fresh-db.ts';
import { ALICE, BOB } from '../../../../harness/stack/seed-users.ts';
import type { PostgresHandle } from '../../../../harness/stack/postgres.ts';
import { readSync, safeCursor, type CursorMode } from './sync.ts';

let pgh: PostgresHandle;
let pool: pg.Pool;
let sql: pg.Client;
const alice = { sub: ALICE.id, role: 'authenticated' };

before(async () => {
  pgh = await startFreshDb();
  pool = new pg.Pool({ connectionString: pgh.url, max: 4 });
  sql = new pg.Client(pgh.url);
  await sql.connect();
});
after(async () => {
  await sql.end();
  await pool.end();
  await pgh.stop();
});

async function newFile(name: string): Promise<string> {
  const { rows } = await sql.query(`insert into audio_files (user_id, name, status) values ($1, $2, 'uploaded') returning id`, [ALICE.id, name]);
  return rows[0].id;
}

/** Another session (a slow writer): opens a transaction, stamps `change`, and holds it open. */
async function openWriter(change: string, params: unknown[]): Promise<{ commit(): Promise<void> }> {
  const w = new pg.Client(pgh.url);
  await w.connect();
  await w.query('begin');
  await w.query(change, params);
  return { async commit() { await w.query('commit'); await w.end(); } };
}

type Sync = Awaited<ReturnType<typeof readSync>>;
const names = (s: Sync) => (s.audioFiles as { id: string; name: string }[]);

/**
 * The five steps: (1) the client has synced; (2) another session stamps a change and keeps its
 * transaction open; (3) the client reconnects and syncs; (4) the change commits while the client is
 * away; (5) the client reconnects (or reloads) and syncs from its stored cursor.
 */
async function fiveSteps(mode: CursorMode, change: (id: string) => [string, unknown[]]): Promise<{ id: string; step5: Sync; step3: Sync }> {
  const id = await newFile(`cursor-${mode}.wav`);
  const step1 = await readSync(pool, alice, undefined, mode);
  assert.ok(names(step1).some((f) => f.id === id));
  const writer = await openWriter(...change(id));
  // A moment so that "now" at step 3 is clearly later than the stamp made at step 2.
  await new Promise((r) => setTimeout(r, 20));
  const step3 = await readSync(pool, alice, step1.serverTime, mode);
  await writer.commit();
  const step5 = await readSync(pool, alice, step3.serverTime, mode);
  return { id, step3, step5 };
}

const rename = (id: string): [string, unknown[]] => [`update audio_files set name = 'renamed-while-open.wav' where id = $1`, [id]];
const remove = (id: string): [string, unknown[]] => [`delete from audio_files where id = $1`, [id]];

test('safe cursor: a rename stamped before a sync and committed after it arrives at the next sync', async () => {
  const { id, step3, step5 } = await fiveSteps('safe', rename);
  assert.ok(!names(step3).some((f) => f.id === id && f.name === 'renamed-while-open.wav'), 'step 3 cannot see the uncommitted rename');
  const { rows } = await sql.query(`select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t from audio_files where id = $1`, [id]);
  assert.ok(step3.serverTime < rows[0].t, `the cursor ${step3.serverTime} stays before the open transaction's stamp ${rows[0].t}`);
  const got = names(step5).find((f) => f.id === id);
  assert.equal(got?.name, 'renamed-while-open.wav', 'step 5 returns the rename');
});

test('planted stamp-cursor: the same rename is skipped for good, even by a reload', async () => {
  const { id, step3, step5 } = await fiveSteps('stamp', rename);
  assert.ok(!names(step5).some((f) => f.id === id), 'the old cursor skips the committed rename');
  const reload = await readSync(pool, alice, step3.serverTime, 'stamp');
  assert.ok(!names(reload).some((f) => f.id === id), 'a reload (same stored cursor) skips it too');
  const later = await readSync(pool, alice, step5.serverTime, 'stamp');
  assert.ok(!names(later).some((f) => f.id === id), 'and so does every later sync');
});

test('deletions: a tombstone stamped in an open transaction reaches the next sync with the safe cursor only', async () => {
  const safe = await fiveSteps('safe', remove);
  assert.deepEqual(safe.step5.deleted.audioFiles.filter((x) => x === safe.id), [safe.id]);
  const stamp = await fiveSteps('stamp', remove);
  assert.deepEqual(stamp.step5.deleted.audioFiles.filter((x) => x === stamp.id), [], 'the old cursor skips the delete');
});

test('the cursor moves on: idle sessions do not hold it back, an open transaction only while open', async () => {
  const idle = new pg.Client(pgh.url);
  await idle.connect();
  try {
    const t0 = (await sql.query(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t`)).rows[0].t;
    const s = await readSync(pool, alice, undefined, 'safe');
    assert.ok(s.serverTime > t0, `with nothing in progress the cursor (${s.serverTime}) is about now (after ${t0})`);
    // A transaction of another user holds the cursor back (it cannot tell whose rows it will stamp), but only while open.
    const bob = await openWriter(`update audio_files set name = 'bob-open.wav' where user_id = $1`, [BOB.id]);
    const held = await readSync(pool, alice, undefined, 'safe');
    await bob.commit();
    const freed = await readSync(pool, alice, undefined, 'safe');
    assert.ok(held.serverTime < freed.serverTime);
    const bobRow = (await sql.query(`select to_char(max(updated_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t from audio_files where user_id = $1`, [BOB.id])).rows[0].t;
    assert.ok(held.serverTime < bobRow && freed.serverTime > bobRow);
  } finally {
    await idle.end();
  }
});

test('the cursor is read as the connecting role: as authenticated other sessions\' xact_start is hidden, and the read refuses', async () => {
  const writer = await openWriter(`select 1`, []);
  const c = await pool.connect();
  try {
    await c.query('begin');
    await c.query(`set local role authenticated`);
    const { rows } = await c.query(`select count(*)::int n from pg_stat_activity where pid <> pg_backend_pid() and xact_start is not null`);
    assert.equal(rows[0].n, 0, 'a non-superuser sees no other xact_start (why the read comes before the role switch)');
    await assert.rejects(safeCursor(c), /pg_read_all_stats/);
    await c.query('rollback');
  } finally {
    c.release();
    await writer.commit();
  }
});
