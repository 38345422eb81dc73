import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, userToken, waitFor, subscribed, type Rig } from '../rig.ts';
import { ALICE, BOB } from '../../stack/seed-users.ts';

let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => ({ rig, db, stop } = await startRigWithDb()));
after(() => stop());

type Payload = RealtimePostgresChangesPayload<Record<string, unknown>>;

async function listen(user: { id: string; email: string }, spec: { event: string; table?: string; filter?: string }, vsn?: '1.0.0' | '2.0.0') {
  const sb = client(rig, { vsn });
  await sb.realtime.setAuth(await userToken(user));
  const got: Payload[] = [];
  const system: { status: string; message: string }[] = [];
  const channel = sb.channel(`t-${Math.random()}`)
    .on('postgres_changes' as never, { schema: 'public', ...spec } as never, (p: Payload) => got.push(p))
    .on('system' as never, {} as never, (p: { status: string; message: string }) => system.push(p));
  const { status } = await subscribed(channel);
  assert.equal(status, 'SUBSCRIBED');
  await waitFor(() => system.length > 0 || undefined, 5000, 'system message');
  return { got, system, setAuth: (t: string) => sb.realtime.setAuth(t), close: () => sb.removeAllChannels() };
}

for (const vsn of ['1.0.0', '2.0.0'] as const) {
  test(`INSERT, UPDATE, DELETE on audio_files reach the owner (vsn ${vsn})`, async () => {
    const alice = await listen(ALICE, { event: '*', table: 'audio_files' }, vsn);
    assert.deepEqual(alice.system[0], { extension: 'postgres_changes', status: 'ok', message: 'Subscribed to PostgreSQL', channel: (alice.system[0] as unknown as { channel: string }).channel });
    const { rows } = await db.query(`insert into audio_files (user_id, name) values ($1, 'i.wav') returning id`, [ALICE.id]);
    const id = rows[0].id as string;
    await waitFor(() => alice.got.find((p) => p.eventType === 'INSERT' && (p.new as { id: string }).id === id), 5000, 'INSERT');
    await db.query(`update audio_files set status = 'uploaded' where id = $1`, [id]);
    const upd = await waitFor(() => alice.got.find((p) => p.eventType === 'UPDATE'), 5000, 'UPDATE');
    assert.equal((upd.new as { status: string }).status, 'uploaded');
    assert.equal((upd.old as { status: string }).status, 'uploading', 'replica identity full gives old_record');
    assert.match(upd.commit_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(upd.commit_timestamp) - Date.now()) < 60_000, 'commit timestamp is now');
    await db.query(`delete from audio_files where id = $1`, [id]);
    const del = await waitFor(() => alice.got.find((p) => p.eventType === 'DELETE'), 5000, 'DELETE');
    assert.deepEqual(del.old, { id }, 'with RLS on, DELETE carries only the primary key');
    await alice.close();
  });
}

test('transcript_runs and usage_logs changes arrive with typed values', async () => {
  const alice = await listen(ALICE, { event: '*' });
  await db.query(`update usage_logs set uploads_count = uploads_count + 1, total_duration_ms = total_duration_ms + 5 where user_id = $1`, [ALICE.id]);
  const usage = await waitFor(() => alice.got.find((p) => p.table === 'usage_logs'), 5000, 'usage update');
  assert.equal(typeof (usage.new as { uploads_count: unknown }).uploads_count, 'number');
  const { rows } = await db.query(`select id from audio_files where user_id = $1 limit 1`, [ALICE.id]);
  await db.query(`insert into transcript_runs (audio_file_id, user_id) values ($1, $2)`, [rows[0].id, ALICE.id]);
  const run = await waitFor(() => alice.got.find((p) => p.table === 'transcript_runs' && p.eventType === 'INSERT'), 5000, 'run insert');
  assert.equal((run.new as { status: string }).status, 'queued');
  await alice.close();
});

test('RLS decides delivery: bob never receives alice rows', async () => {
  const alice = await listen(ALICE, { event: 'INSERT', table: 'audio_files' });
  const bob = await listen(BOB, { event: 'INSERT', table: 'audio_files' });
  await db.query(`insert into audio_files (user_id, name) values ($1, 'alice-secret.wav')`, [ALICE.id]);
  await db.query(`insert into audio_files (user_id, name) values ($1, 'bob-own.wav')`, [BOB.id]);
  await waitFor(() => bob.got.find((p) => (p.new as { name: string }).name === 'bob-own.wav'), 5000, 'bob own insert');
  await waitFor(() => alice.got.find((p) => (p.new as { name: string }).name === 'alice-secret.wav'), 5000, 'alice insert');
  assert.equal(bob.got.filter((p) => (p.new as { user_id: string }).user_id === ALICE.id).length, 0);
  assert.equal(alice.got.filter((p) => (p.new as { user_id: string }).user_id === BOB.id).length, 0);
  await alice.close();
  await bob.close();
});

const FILTERS: [string, string, boolean][] = [
  ['duration_ms=eq.100', '100', true], ['duration_ms=eq.100', '101', false],
  ['duration_ms=neq.100', '101', true], ['duration_ms=neq.100', '100', false],
  ['duration_ms=lt.100', '99', true], ['duration_ms=lt.100', '100', false],
  ['duration_ms=lte.100', '100', true], ['duration_ms=lte.100', '101', false],
  ['duration_ms=gt.100', '101', true], ['duration_ms=gt.100', '100', false],
  ['duration_ms=gte.100', '100', true], ['duration_ms=gte.100', '99', false],
  ['duration_ms=in.(7,100)', '7', true], ['duration_ms=in.(7,100)', '8', false],
];

test('filters eq, neq, lt, lte, gt, gte, in compare by column type', async () => {
  const listeners = await Promise.all([...new Set(FILTERS.map((f) => f[0]))].map(async (filter) => ({
    filter, l: await listen(ALICE, { event: 'INSERT', table: 'audio_files', filter }),
  })));
  const marker = `f-${Date.now()}`;
  for (const [, value] of FILTERS) {
    await db.query(`insert into audio_files (user_id, name, duration_ms) values ($1, $2, $3)`, [ALICE.id, `${marker}-${value}`, Number(value)]);
  }
  // A sentinel every listener matches would need its own filter; wait for the last expected delivery instead.
  for (const { filter, l } of listeners) {
    const expected = FILTERS.filter((f) => f[0] === filter && f[2]).map((f) => `${marker}-${f[1]}`);
    await waitFor(() => expected.every((n) => l.got.some((p) => (p.new as { name: string }).name === n)) || undefined, 5000, `${filter} deliveries`);
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const { filter, l } of listeners) {
    const names = l.got.map((p) => (p.new as { name: string }).name).filter((n) => n.startsWith(marker));
    const forbidden = FILTERS.filter((f) => f[0] === filter && !f[2]).map((f) => `${marker}-${f[1]}`)
      .filter((n) => !FILTERS.some((f) => f[0] === filter && f[2] && `${marker}-${f[1]}` === n));
    for (const n of forbidden) assert.ok(!names.includes(n), `${filter} must not deliver ${n}`);
    await l.close();
  }
});

test('a refreshed token re-subscribes 1–3 s later, as the real server does, and changes keep flowing meanwhile', async () => {
  const alice = await listen(ALICE, { event: 'INSERT', table: 'audio_files' });
  const refreshedAt = Date.now();
  await alice.setAuth(await userToken(ALICE, 7200));
  await db.query(`insert into audio_files (user_id, name) values ($1, 'during-resubscribe.wav')`, [ALICE.id]);
  await waitFor(() => alice.got.find((p) => (p.new as { name: string }).name === 'during-resubscribe.wav'), 5000, 'the change in the window');
  const again = await waitFor(() => alice.system[1], 5000, 'the second "Subscribed to PostgreSQL"');
  const after = Date.now() - refreshedAt;
  assert.equal(again.message, 'Subscribed to PostgreSQL');
  assert.ok(after >= 900 && after <= 4000, `re-subscribed ${after} ms after the refresh (the real server waits 1–3 s)`);
  await alice.close();
});

test('a bad filter or an unknown table is reported by a system error, the socket stays up', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  for (const spec of [{ table: 'audio_files', filter: 'status=foo.x' }, { table: 'no_such_table' }]) {
    const system: { status: string; message: string; extension: string }[] = [];
    const ch = sb.channel(`bad-${Math.random()}`)
      .on('postgres_changes' as never, { event: '*', schema: 'public', ...spec } as never, () => {})
      .on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
    const { status } = await subscribed(ch);
    assert.equal(status, 'SUBSCRIBED', 'a bad binding does not fail the join, as on the real server');
    const msg = await waitFor(() => system[0], 5000, 'system error');
    assert.equal(msg.status, 'error');
    assert.equal(msg.extension, 'postgres_changes');
    assert.match(msg.message, spec.filter ? /^Error parsing `filter` params/ : /^Unable to subscribe to changes with given parameters/);
  }
  assert.equal(sb.realtime.isConnected(), true);
  await sb.removeAllChannels();
});

test('an event the server does not know is taken as every event (action_filter): the subscription is made, not refused', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const got: Payload[] = [];
  const system: { status: string; message: string }[] = [];
  const ch = sb.channel(`odd-event-${Math.random()}`)
    .on('postgres_changes' as never, { event: 'TRUNCATE', schema: 'public', table: 'audio_files' } as never, () => {})
    .on('postgres_changes' as never, { event: 'insert', schema: 'public', table: 'audio_files' } as never, (p: Payload) => got.push(p))
    .on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
  try {
    assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
    const msg = await waitFor(() => system[0], 5000, 'system message');
    assert.equal(msg.status, 'ok', msg.message);
    await db.query(`insert into audio_files (user_id, name) values ($1, 'odd-event.wav')`, [ALICE.id]);
    await waitFor(() => got.find((p) => (p.new as { name: string }).name === 'odd-event.wav'), 5000, 'the INSERT');
  } finally {
    await sb.removeAllChannels();
  }
});

test('an UPDATE that leaves a TOASTed value alone leaves it out of record; arrays arrive as JSON arrays', async () => {
  // Default replica identity and no RLS, as many tables are: the WAL then holds neither the unchanged
  // TOASTed value nor an old row to take it from, so apply_rls has no value to send, not a null.
  await db.query(`create table public.toast_probe (id int primary key, tags text[], counts int4[], big text, small text);
    grant select on public.toast_probe to authenticated;
    alter publication supabase_realtime add table public.toast_probe`);
  try {
    const alice = await listen(ALICE, { event: '*', table: 'toast_probe' });
    // md5 hex does not compress below the 2 kB TOAST threshold: the value is stored out of line.
    await db.query(`insert into public.toast_probe values (1, '{a,"b c",NULL}', '{1,2}', (select string_agg(md5(i::text), '') from generate_series(1, 400) i), 's')`);
    const ins = await waitFor(() => alice.got.find((p) => p.eventType === 'INSERT'), 5000, 'INSERT');
    assert.deepEqual((ins.new as { tags: unknown }).tags, ['a', 'b c', null]);
    assert.deepEqual((ins.new as { counts: unknown }).counts, [1, 2]);
    assert.equal(((ins.new as { big: string }).big).length, 400 * 32);
    await db.query(`update public.toast_probe set small = 't' where id = 1`);
    const upd = await waitFor(() => alice.got.find((p) => p.eventType === 'UPDATE'), 5000, 'UPDATE');
    assert.equal((upd.new as { small: string }).small, 't');
    assert.equal('big' in upd.new, false, `the unchanged TOASTed column is left out, not null: ${JSON.stringify(Object.keys(upd.new))}`);
    await alice.close();
  } finally {
    await db.query(`alter publication supabase_realtime drop table public.toast_probe; drop table public.toast_probe`);
  }
});

test('payloads carry only the columns the role may select; an unselectable key is a 401 and a table without a key a 400, as list_changes shapes them', async () => {
  await db.query(`create table public.grants_probe (id int primary key, public_note text, secret text);
    grant select (id, public_note) on public.grants_probe to authenticated;
    create table public.keyless_probe (note text);
    grant select on public.keyless_probe to authenticated;
    create table public.hidden_key_probe (id int primary key, note text);
    grant select (note) on public.hidden_key_probe to authenticated;
    alter publication supabase_realtime add table public.grants_probe, public.keyless_probe, public.hidden_key_probe`);
  try {
    const alice = await listen(ALICE, { event: '*' });
    await db.query(`insert into public.grants_probe values (1, 'hello', 'do not send')`);
    const ins = await waitFor(() => alice.got.find((p) => p.table === 'grants_probe' && p.eventType === 'INSERT'), 5000, 'INSERT');
    assert.deepEqual(ins.new, { id: 1, public_note: 'hello' }, 'the column it may not select is left out');
    await db.query(`delete from public.grants_probe where id = 1`);
    const del = await waitFor(() => alice.got.find((p) => p.table === 'grants_probe' && p.eventType === 'DELETE'), 5000, 'DELETE');
    assert.equal('secret' in del.old, false, `a DELETE's old row too: ${JSON.stringify(del.old)}`);

    await db.query(`insert into public.keyless_probe values ('x')`);
    const keyless = await waitFor(() => alice.got.find((p) => p.table === 'keyless_probe'), 5000, 'keyless INSERT');
    assert.deepEqual(keyless.errors, ['Error 400: Bad Request, no primary key']);
    assert.equal(keyless.commit_timestamp, null);
    assert.deepEqual(keyless.new, {});

    await db.query(`insert into public.hidden_key_probe values (1, 'y')`);
    const hidden = await waitFor(() => alice.got.find((p) => p.table === 'hidden_key_probe'), 5000, 'hidden key INSERT');
    assert.deepEqual(hidden.errors, ['Error 401: Unauthorized']);
    assert.equal(hidden.commit_timestamp, null);
    assert.deepEqual(hidden.new, {}, 'nothing of the row');
    await alice.close();
  } finally {
    await db.query(`alter publication supabase_realtime drop table public.grants_probe, public.keyless_probe, public.hidden_key_probe;
      drop table public.grants_probe, public.keyless_probe, public.hidden_key_probe`);
  }
});

test('by default a change over 1 MiB (apply_rls measures the wal2json record) is a 413; one just under is whole', async () => {
  await db.query(`create table public.big_probe (id int primary key, body text);
    grant select on public.big_probe to authenticated;
    alter publication supabase_realtime add table public.big_probe`);
  try {
    const alice = await listen(ALICE, { event: 'INSERT', table: 'big_probe' });
    // The record's other members (names, types, oids, timestamp) take a few hundred bytes.
    await db.query(`insert into public.big_probe values (1, repeat('x', 1048000)), (2, repeat('x', 1048576))`);
    const under = await waitFor(() => alice.got.find((p) => (p.new as { id: number }).id === 1), 10_000, 'INSERT under 1 MiB');
    assert.equal(under.errors, null);
    assert.equal((under.new as { body: string }).body.length, 1048000);
    const over = await waitFor(() => alice.got.find((p) => (p.new as { id: number }).id === 2), 10_000, 'INSERT over 1 MiB');
    assert.deepEqual(over.errors, ['Error 413: Payload Too Large']);
    assert.deepEqual(over.new, { id: 2 });
    await alice.close();
  } finally {
    await db.query(`alter publication supabase_realtime drop table public.big_probe; drop table public.big_probe`);
  }
});
