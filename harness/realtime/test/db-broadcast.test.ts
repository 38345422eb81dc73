// Broadcast from the database with the unmodified supabase-js: realtime.send() and
// realtime.broadcast_changes() in a trigger reach the topic's subscribers once committed, private
// rows only the private channel's readers (the real server's ReplicationConnection).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { SupabaseClient } from '@supabase/supabase-js';
import { startRigWithDb, client, waitFor, subscribed, type Rig } from '../rig.ts';

let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
const opened: SupabaseClient[] = [];

before(async () => {
  ({ rig, db, stop } = await startRigWithDb());
  await db.query(`
    create policy anon_reads_db on realtime.messages for select to anon using (realtime.topic() like 'db-%');
    create table public.notes (id int primary key, body text);
    create function public.notes_broadcast() returns trigger language plpgsql security definer as $$
    begin
      perform realtime.broadcast_changes('db-notes', tg_op, tg_op, tg_table_name, tg_table_schema, new, old);
      return null;
    end $$;
    create trigger notes_broadcast after insert or update or delete on public.notes for each row execute function public.notes_broadcast();`);
});
after(async () => {
  await Promise.all(opened.map((sb) => sb.removeAllChannels()));
  await stop();
});

type Message = { event: string; payload: Record<string, unknown>; meta?: { id?: string } };

async function listen(topic: string, isPrivate: boolean) {
  const sb = client(rig);
  opened.push(sb);
  const got: Message[] = [];
  const ch = sb.channel(topic, { config: { private: isPrivate } }).on('broadcast', { event: '*' }, (m) => got.push(m as unknown as Message));
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  return got;
}

test('realtime.send reaches the public or the private channel by its private flag, once committed', async () => {
  const pub = await listen('db-room', false);
  const priv = await listen('db-room', true);
  await db.query("begin; select realtime.send('{\"n\": 0}'::jsonb, 'note', 'db-room', false); rollback;");
  await db.query("select realtime.send('{\"n\": 1}'::jsonb, 'note', 'db-room', false)");
  await db.query("select realtime.send('{\"n\": 2}'::jsonb, 'note', 'db-room')");
  await waitFor(() => pub[0] && priv[0], 5000, 'both messages');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(pub.map((m) => [m.event, m.payload.n]), [['note', 1]], 'the public channel: the public message only, not the rolled-back one');
  assert.deepEqual(priv.map((m) => [m.event, m.payload.n]), [['note', 2]], 'realtime.send is private by default');
  const { rows } = await db.query("select id::text from realtime.messages where topic = 'db-room' and payload->>'n' = '2'");
  assert.equal(priv[0]!.meta?.id, rows[0].id, 'meta.id is the message row');
  assert.equal(priv[0]!.payload.id, rows[0].id, 'realtime.send adds the id to the payload');
});

test('realtime.broadcast_changes in a trigger sends the row change to the private topic', async () => {
  const priv = await listen('db-notes', true);
  const pub = await listen('db-notes', false);
  await db.query("insert into public.notes values (1, 'hello')");
  await db.query("update public.notes set body = 'bye' where id = 1");
  await waitFor(() => priv.length >= 2 || undefined, 5000, 'insert and update');
  assert.deepEqual(priv.map((m) => [m.event, m.payload.operation, (m.payload.record as { body: string }).body, (m.payload.old_record as { body: string } | null)?.body ?? null]),
    [['INSERT', 'INSERT', 'hello', null], ['UPDATE', 'UPDATE', 'bye', 'hello']]);
  assert.equal(priv[0]!.payload.table, 'notes');
  assert.equal(priv[0]!.payload.schema, 'public');
  assert.deepEqual(pub, [], 'broadcast_changes sends private messages');
});

test('a private database message skips members that may read presence but not broadcast', async () => {
  await db.query("create policy anon_presence_only on realtime.messages for select to anon using (realtime.topic() = 'presence-only' and realtime.messages.extension = 'presence')");
  const sb = client(rig);
  opened.push(sb);
  const got: Message[] = [];
  const ch = sb.channel('presence-only', { config: { private: true } })
    .on('broadcast', { event: '*' }, (m) => got.push(m as unknown as Message))
    .on('presence', { event: 'sync' }, () => {});
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED', 'presence read alone lets it join');
  const witness = await listen('db-witness', true);
  await db.query("select realtime.send('{\"secret\": 1}'::jsonb, 'note', 'presence-only')");
  await db.query("select realtime.send('{\"after\": 1}'::jsonb, 'note', 'db-witness')");
  await waitFor(() => witness[0], 5000, 'the later message elsewhere');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(got, [], 'no broadcast read, no message');
});
