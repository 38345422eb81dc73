// The RLS check must not run before the committing transaction is visible: a commit reaches the
// replication stream a moment before other sessions' snapshots see it, and an INSERT checked in that
// moment would be dropped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startFreshDb } from '../../stack/fresh-db.ts';
import type { PostgresHandle } from '../../stack/postgres.ts';
import { Authorizer } from './rls.ts';

let db: PostgresHandle;
let auth: Authorizer;
before(async () => {
  db = await startFreshDb();
  auth = new Authorizer(db.url);
  await auth.install();
});
after(async () => {
  await auth.close();
  await db.stop();
});

test('await_xact waits for an open transaction to become visible, and returns at once for a finished one', async () => {
  const writer = new pg.Client(db.url);
  const reader = new pg.Client(db.url);
  await writer.connect();
  await reader.connect();
  try {
    await writer.query('begin');
    const { rows } = await writer.query<{ x: string }>('select (txid_current() & 4294967295)::text as x');
    const xid = Number(rows[0]!.x);
    const t0 = Date.now();
    const waiting = reader.query<{ ok: boolean }>('select syncwright_realtime.await_xact($1) as ok', [xid]);
    await new Promise((r) => setTimeout(r, 300));
    await writer.query('commit');
    const { rows: done } = await waiting;
    assert.equal(done[0]!.ok, true);
    assert.ok(Date.now() - t0 >= 290, `returned after ${Date.now() - t0} ms, before the commit`);
    const t1 = Date.now();
    await reader.query('select syncwright_realtime.await_xact($1)', [xid]);
    assert.ok(Date.now() - t1 < 200, 'a finished transaction does not wait');
  } finally {
    await writer.end();
    await reader.end();
  }
});

test('a row inserted by a transaction still open at check time is seen once it commits', async () => {
  const writer = new pg.Client(db.url);
  await writer.connect();
  try {
    await writer.query('create table if not exists rls_probe (id int primary key, owner text)');
    await writer.query('alter table rls_probe enable row level security');
    await writer.query(`create policy mine on rls_probe for select to authenticated using (owner = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'))`).catch(() => {});
    await writer.query('grant select on rls_probe to authenticated');
    await writer.query('begin');
    await writer.query(`insert into rls_probe values (1, 'u1')`);
    const { rows } = await writer.query<{ x: string }>('select (txid_current() & 4294967295)::text as x');
    const change = {
      schema: 'public', table: 'rls_probe', type: 'INSERT' as const, commitTimestamp: '', columns: [], primaryKey: ['id'], rlsEnabled: true,
      record: { id: 1, owner: 'u1' }, lsn: '0/0', xid: Number(rows[0]!.x),
    };
    const checking = auth.visible(change, [{ role: 'authenticated', sub: 'u1' }, { role: 'authenticated', sub: 'u2' }]);
    setTimeout(() => void writer.query('commit'), 200);
    assert.deepEqual(await checking, [true, false]);
  } finally {
    await writer.end();
  }
});

test('asked without waiting, visible_to answers NULL while the committing transaction is not visible, and its verdicts once it is', async () => {
  const writer = new pg.Client(db.url);
  const reader = new pg.Client(db.url);
  await writer.connect();
  await reader.connect();
  try {
    await writer.query('create table nowait_probe (id int primary key)');
    await writer.query('begin');
    await writer.query('insert into nowait_probe values (1)');
    const { rows } = await writer.query<{ x: string }>('select (txid_current() & 4294967295)::text as x');
    const ask = async (wait: boolean) => (await reader.query<{ v: number[] | null }>(
      `select syncwright_realtime.visible_to('nowait_probe', '{"id": 1}', array['postgres'], array['{}'::jsonb], $1, $2) as v`, [Number(rows[0]!.x), wait],
    )).rows[0]!.v;
    const t0 = Date.now();
    assert.equal(await ask(false), null);
    assert.ok(Date.now() - t0 < 1000, 'it does not wait');
    await writer.query('commit');
    assert.deepEqual(await ask(false), [1]);
  } finally {
    await writer.end();
    await reader.end();
  }
});

test('the prepared check follows the table: each role and claims, past the custom plans, a key that changed type, a table made again, a changed policy', async () => {
  const admin = new pg.Client(db.url);
  await admin.connect();
  const users = [{ role: 'authenticated', sub: 'u1' }, { role: 'authenticated', sub: 'u2' }, { role: 'anon', sub: 'u1' }];
  const change = (primaryKey: string[], record: Record<string, unknown>) => ({
    schema: 'public', table: 'keyed_probe', type: 'INSERT' as const, commitTimestamp: '', columns: [], primaryKey, rlsEnabled: true, record, lsn: '0/0',
  });
  const own = `create policy mine on keyed_probe for select to authenticated, anon using (owner = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub') and current_user = 'authenticated')`;
  try {
    await admin.query(`create table keyed_probe (id int primary key, owner text); alter table keyed_probe enable row level security;
      grant select on keyed_probe to authenticated, anon; ${own}; insert into keyed_probe values (1, 'u1')`);
    // Postgres plans a prepared statement afresh five times before it may keep a generic plan.
    for (let i = 0; i < 8; i++) assert.deepEqual(await auth.visible(change(['id'], { id: 1, owner: 'u1' }), users), [true, false, false], `call ${i + 1}`);

    await admin.query('alter table keyed_probe alter column id type text');
    assert.deepEqual(await auth.visible(change(['id'], { id: '1', owner: 'u1' }), users), [true, false, false], 'after the key became text');

    await admin.query(`drop table keyed_probe; create table keyed_probe (code text primary key, owner text); alter table keyed_probe enable row level security;
      grant select on keyed_probe to authenticated, anon; ${own}; insert into keyed_probe values ('a', 'u2')`);
    assert.deepEqual(await auth.visible(change(['code'], { code: 'a', owner: 'u2' }), users), [false, true, false], 'a new table of that name, keyed by another column');

    await admin.query(`drop policy mine on keyed_probe; create policy everyone on keyed_probe for select to authenticated using (true)`);
    assert.deepEqual(await auth.visible(change(['code'], { code: 'a', owner: 'u2' }), users), [true, true, false], 'after the policy changed');
  } finally {
    await admin.query('drop table if exists keyed_probe');
    await admin.end();
  }
});

test('a committed change is checked once per claim set, in one call', async () => {
  const admin = new pg.Client(db.url);
  await admin.connect();
  try {
    // The policy counts its own evaluations: a sequence is not rolled back with the check.
    await admin.query(`create sequence policy_calls; grant usage on sequence policy_calls to authenticated;
      create table counted_probe (id int primary key); alter table counted_probe enable row level security;
      grant select on counted_probe to authenticated;
      create policy counted on counted_probe for select to authenticated using (nextval('policy_calls') > 0);
      insert into counted_probe values (1); select nextval('policy_calls')`);
    const { rows } = await admin.query<{ x: string }>('select (txid_current() & 4294967295)::text as x');
    const change = {
      schema: 'public', table: 'counted_probe', type: 'INSERT' as const, commitTimestamp: '', columns: [], primaryKey: ['id'], rlsEnabled: true,
      record: { id: 1 }, lsn: '0/0', xid: Number(rows[0]!.x) - 1,
    };
    const calls = async () => Number((await admin.query<{ n: string }>('select last_value as n from policy_calls')).rows[0]!.n);
    const before = await calls();
    assert.deepEqual(await auth.visible(change, [{ role: 'authenticated', sub: 'u1' }, { role: 'authenticated', sub: 'u2' }]), [true, true]);
    assert.equal(await calls() - before, 2);
  } finally {
    await admin.query('drop table if exists counted_probe; drop sequence if exists policy_calls');
    await admin.end();
  }
});
