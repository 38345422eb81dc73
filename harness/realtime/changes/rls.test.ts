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
