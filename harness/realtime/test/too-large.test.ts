// A change larger than max_record_bytes (here configured small) arrives as apply_rls sends it:
// errors ['Error 413: Payload Too Large'], columns and commit_timestamp as usual, and in record and
// old_record only the values whose jsonb text is at most 64 bytes (a NULL is dropped too).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, userToken, waitFor, subscribed, type Rig } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';
import { jsonbBytes, numberBytes, walBytes, type WalColumn } from '../changes/wal-size.ts';
import type { Change } from '../changes/types.ts';

const LIMIT = 2048;
let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => {
  ({ rig, db, stop } = await startRigWithDb({ maxRecordBytes: LIMIT }));
  await db.query(`create table public.blobs (id int primary key, short text, long text, n int, missing text, edge62 text, edge63 text);
    alter table public.blobs replica identity full;
    grant select on public.blobs to authenticated;
    alter publication supabase_realtime add table public.blobs`);
});
after(() => stop());

type Payload = RealtimePostgresChangesPayload<Record<string, unknown>>;

test('a change over max_record_bytes is a 413 with the values over 64 bytes (and NULLs) left out; a small one is whole', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const got: Payload[] = [];
  const ch = sb.channel(`big-${Math.random()}`).on('postgres_changes' as never, { event: '*', schema: 'public', table: 'blobs' } as never, (p: Payload) => got.push(p));
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  await new Promise((r) => setTimeout(r, 200));
  // 62 characters are 64 bytes quoted, kept; 63 are 65, dropped.
  await db.query(`insert into public.blobs values (1, 'hi', repeat('x', 3000), 42, null, repeat('y', 62), repeat('z', 63))`);
  const ins = await waitFor(() => got.find((p) => p.eventType === 'INSERT'), 5000, 'INSERT');
  assert.deepEqual(ins.errors, ['Error 413: Payload Too Large']);
  assert.deepEqual(ins.new, { id: 1, short: 'hi', n: 42, edge62: 'y'.repeat(62) });
  assert.match(ins.commit_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  await db.query(`update public.blobs set short = 'ho' where id = 1`);
  const upd = await waitFor(() => got.find((p) => p.eventType === 'UPDATE'), 5000, 'UPDATE');
  assert.deepEqual(upd.errors, ['Error 413: Payload Too Large']);
  assert.deepEqual(upd.new, { id: 1, short: 'ho', n: 42, edge62: 'y'.repeat(62) });
  assert.deepEqual(upd.old, { id: 1, short: 'hi', n: 42, edge62: 'y'.repeat(62) });

  await db.query(`delete from public.blobs where id = 1`);
  const del = await waitFor(() => got.find((p) => p.eventType === 'DELETE'), 5000, 'DELETE');
  assert.deepEqual(del.errors, ['Error 413: Payload Too Large']);
  assert.deepEqual(del.old, { id: 1, short: 'ho', n: 42, edge62: 'y'.repeat(62) });

  await db.query(`insert into public.blobs values (2, 'hi', repeat('x', 1000), 42, null, 'e', 'f')`);
  const small = await waitFor(() => got.find((p) => p.eventType === 'INSERT' && (p.new as { id: number }).id === 2), 5000, 'small INSERT');
  assert.equal(small.errors, null);
  assert.deepEqual(small.new, { id: 2, short: 'hi', long: 'x'.repeat(1000), n: 42, missing: null, edge62: 'e', edge63: 'f' });
  await sb.removeAllChannels();
});

test("values are measured as Postgres prints them as jsonb (octet_length(value::text))", async () => {
  const values: unknown[] = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline\u0001', 'é ü 中文 😀', 0, -12.5, true, false, null,
    [1, 'two', [3], { four: 4 }], { b: 1, a: [true, null], 'k"ey': 'v' }, []];
  for (const v of values) {
    const { rows } = await db.query<{ n: number }>('select octet_length($1::jsonb::text) as n', [JSON.stringify(v)]);
    assert.equal(jsonbBytes(v), rows[0]!.n, JSON.stringify(v));
  }
  for (const t of ['123', '-0', '1.50', '1e+100', '1.5e-07', '-2.25e3', '0.000']) {
    const { rows } = await db.query<{ n: number }>('select octet_length(to_jsonb($1::numeric)::text) as n', [t]);
    assert.equal(numberBytes(t), rows[0]!.n, t);
  }
});

test('a change is counted as its wal2json record would print as jsonb (octet_length(wal::text))', async () => {
  const cols: WalColumn[] = [
    { name: 'id', type: 'integer', typeoid: 23 }, { name: 'note', type: 'character varying(20)', typeoid: 1043 },
    { name: 'ok', type: 'boolean', typeoid: 16 }, { name: 'f', type: 'double precision', typeoid: 701 },
    { name: 'raw', type: 'bytea', typeoid: 17 }, { name: 'gone', type: 'text', typeoid: 25 },
  ];
  const row = { id: '7', note: 'say "hi"\n é', ok: 't', f: '1e+100', raw: '\\x00ff', gone: null };
  const old = { ...row, f: 'NaN', note: 'before' };
  // What wal2json writes (compact, in its own member order), built here rather than counted.
  const value = (c: WalColumn, t: string | null) => t === null ? null : c.typeoid === 23 ? Number(t) : c.typeoid === 16 ? t === 't'
    : c.typeoid === 701 ? (t === 'NaN' ? null : `@${t}@`) : c.typeoid === 17 ? t.slice(2) : t;
  const tuple = (r: Record<string, string | null>, only?: string[]) => cols.filter((c) => !only || only.includes(c.name))
    .map((c) => ({ name: c.name, type: c.type, typeoid: c.typeoid, value: value(c, r[c.name]!) }));
  const wal2json = (o: unknown) => JSON.stringify(o).replace(/"@([^@]*)@"/g, '$1');
  const base = { schema: 'public', table: 'notes', commitTimestamp: '', columns: [], primaryKey: ['id'], rlsEnabled: false, lsn: '0/0', walColumns: cols };
  const ts = '2026-12-02 02:11:14.5+00';
  const cases: [Change, unknown][] = [
    [{ ...base, type: 'INSERT', recordText: row }, { action: 'I', timestamp: ts, schema: 'public', table: 'notes', columns: tuple(row), pk: tuple(row, ['id']).map(({ value: _, ...c }) => c) }],
    [{ ...base, type: 'UPDATE', recordText: row, oldRecordText: old }, { action: 'U', timestamp: ts, schema: 'public', table: 'notes', columns: tuple(row), identity: tuple(old), pk: [{ name: 'id', type: 'integer', typeoid: 23 }] }],
    [{ ...base, type: 'UPDATE', recordText: row }, { action: 'U', timestamp: ts, schema: 'public', table: 'notes', columns: tuple(row), identity: tuple(row, ['id']), pk: [{ name: 'id', type: 'integer', typeoid: 23 }] }],
    [{ ...base, type: 'DELETE', oldRecordText: { id: '7' } }, { action: 'D', timestamp: ts, schema: 'public', table: 'notes', identity: tuple({ id: '7' }, ['id']), pk: [{ name: 'id', type: 'integer', typeoid: 23 }] }],
  ];
  for (const [change, record] of cases) {
    const { rows } = await db.query<{ n: number }>('select octet_length($1::jsonb::text) as n', [wal2json(record)]);
    assert.equal(walBytes(change, cols, ts), rows[0]!.n, change.type);
  }
});
