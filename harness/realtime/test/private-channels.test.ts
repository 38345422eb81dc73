// Private channels with the unmodified supabase-js: RLS policies on realtime.messages authorize
// read at join, broadcast and presence writes when sent, and read again when the token is refreshed;
// the refusals are the real server's (RealtimeChannel, Authorization, BroadcastHandler, PresenceHandler).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { SupabaseClient } from '@supabase/supabase-js';
import { startRigWithDb, client, userToken, waitFor, subscribed, type Rig } from '../rig.ts';
import { ALICE, BOB } from '../../stack/seed-users.ts';

let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;

// Room membership decides: any member reads broadcast, members with `presence` read presence too,
// members with `writer` send; nobody else may do anything.
before(async () => {
  ({ rig, db, stop } = await startRigWithDb());
  await db.query(`
    create table public.room_members (room text, user_id uuid, presence boolean default true, writer boolean default false);
    grant select on public.room_members to authenticated;
    create policy members_read on realtime.messages for select to authenticated using (
      exists (select 1 from public.room_members m where m.room = realtime.topic() and m.user_id = auth.uid()
              and (realtime.messages.extension = 'broadcast' or m.presence)));
    create policy writers_send on realtime.messages for insert to authenticated with check (
      exists (select 1 from public.room_members m where m.room = realtime.topic() and m.user_id = auth.uid() and m.writer));`);
});
// Every client is closed at the end, or its reconnect timers would keep the test process alive.
const opened: SupabaseClient[] = [];
const open = (sb: SupabaseClient) => (opened.push(sb), sb);
after(async () => {
  await Promise.all(opened.map((sb) => sb.removeAllChannels()));
  await stop();
});

// In turn: one pg.Client runs one query at a time (overlapping ones warn on Node 24; pg 9 refuses them).
async function members(room: string, rows: { user: { id: string }; presence?: boolean; writer?: boolean }[]): Promise<void> {
  for (const r of rows) {
    await db.query('insert into public.room_members (room, user_id, presence, writer) values ($1, $2, $3, $4)', [room, r.user.id, r.presence ?? true, r.writer ?? false]);
  }
}

async function as(user: { id: string; email: string }): Promise<SupabaseClient> {
  const sb = open(client(rig));
  await sb.realtime.setAuth(await userToken(user));
  return sb;
}

function join(sb: SupabaseClient, room: string, opts: { ack?: boolean; presence?: boolean } = {}) {
  const got: unknown[] = [];
  const system: { status: string; message: string }[] = [];
  const ch = sb.channel(room, { config: { private: true, broadcast: { ack: opts.ack ?? false } } })
    .on('broadcast', { event: 'note' }, (p) => got.push(p.payload))
    .on('system' as never, {} as never, (p: { status: string; message: string }) => { system.push(p); });
  if (opts.presence) ch.on('presence', { event: 'sync' }, () => {});
  return { ch, got, system, status: subscribed(ch) };
}

test('a member joins a private topic; anyone else gets the real Unauthorized reason', async () => {
  await members('room:join', [{ user: ALICE }]);
  const alice = join(await as(ALICE), 'room:join');
  assert.equal((await alice.status).status, 'SUBSCRIBED');
  const bob = join(await as(BOB), 'room:join');
  const { status, err } = await bob.status;
  assert.equal(status, 'CHANNEL_ERROR');
  assert.equal(err?.message, 'Unauthorized: You do not have permissions to read from this Channel topic: room:join');
  const anon = join(open(client(rig)), 'room:join');
  assert.equal((await anon.status).status, 'CHANNEL_ERROR', 'anon has no policy at all');
  const { rows } = await db.query("select count(*)::int as n from realtime.messages where topic = 'room:join'");
  assert.equal(rows[0].n, 0, 'the checks leave nothing in realtime.messages');
});

test('broadcast write is checked when sent: a reader\'s message is dropped unanswered, a writer\'s reaches the readers', async () => {
  await members('room:write', [{ user: ALICE, writer: true }, { user: BOB }]);
  const alice = join(await as(ALICE), 'room:write', { ack: true });
  const bob = join(await as(BOB), 'room:write', { ack: true });
  assert.equal((await alice.status).status, 'SUBSCRIBED');
  assert.equal((await bob.status).status, 'SUBSCRIBED');
  // Bob may read but not write: the real server drops it and sends no ack, so send() times out.
  assert.equal(await bob.ch.send({ type: 'broadcast', event: 'note', payload: { from: 'bob' } }, { timeout: 1500 } as never), 'timed out');
  assert.equal(await alice.ch.send({ type: 'broadcast', event: 'note', payload: { from: 'alice' } }), 'ok');
  await waitFor(() => bob.got[0], 5000, 'alice\'s message at bob');
  assert.deepEqual(bob.got, [{ from: 'alice' }]);
  assert.deepEqual(alice.got, [], 'bob\'s message went nowhere');
});

test('presence on a private topic: track needs presence write, and only presence readers see the state', async () => {
  await members('room:presence', [{ user: ALICE, writer: true }, { user: BOB, presence: false }]);
  const aliceSb = await as(ALICE);
  const alice = join(aliceSb, 'room:presence', { presence: true });
  const bob = join(await as(BOB), 'room:presence', { presence: true });
  assert.equal((await alice.status).status, 'SUBSCRIBED');
  assert.equal((await bob.status).status, 'SUBSCRIBED', 'broadcast read alone lets bob join');
  assert.equal(await alice.ch.track({ online: true }), 'ok');
  assert.equal(await bob.ch.track({ online: true }), 'error', 'bob may not write presence');
  await waitFor(() => Object.keys(alice.ch.presenceState()).length === 1 || undefined, 5000, 'alice\'s own presence');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(bob.ch.presenceState(), {}, 'bob may not read presence');
});

test('a refreshed token is authorized afresh: a lost read ends the channel with the real message', async () => {
  await members('room:refresh', [{ user: ALICE }]);
  const sb = await as(ALICE);
  const alice = join(sb, 'room:refresh', { presence: true });
  assert.equal((await alice.status).status, 'SUBSCRIBED');
  await db.query("update public.room_members set presence = false where room = 'room:refresh'");
  await sb.realtime.setAuth(await userToken(ALICE, 7200));
  const revoked = await waitFor(() => alice.system.find((s) => s.status === 'error'), 5000, 'the revocation');
  assert.equal(revoked.message, 'You no longer have permission to read from this Channel topic: room:refresh');
  await waitFor(() => alice.ch.state === 'closed' || undefined, 5000, 'the channel to close');

  // Removed from the room altogether: the new token may read nothing, which is a plain refusal.
  await members('room:gone', [{ user: ALICE }]);
  const again = join(sb, 'room:gone');
  assert.equal((await again.status).status, 'SUBSCRIBED');
  await db.query("delete from public.room_members where room = 'room:gone'");
  await sb.realtime.setAuth(await userToken(ALICE, 7100));
  const refused = await waitFor(() => again.system.find((s) => s.status === 'error'), 5000, 'the refusal');
  assert.equal(refused.message, 'You do not have permissions to read from this Channel topic: room:gone');
});

test('a private and a public topic of one name keep separate presence', async () => {
  await members('room:split', [{ user: ALICE, writer: true }]);
  const priv = join(await as(ALICE), 'room:split', { presence: true });
  assert.equal((await priv.status).status, 'SUBSCRIBED');
  const sb = open(client(rig));
  const pub = sb.channel('room:split', { config: { presence: { key: 'public-one' } } }).on('presence', { event: 'sync' }, () => {});
  assert.equal((await subscribed(pub)).status, 'SUBSCRIBED');
  assert.equal(await pub.track({ where: 'public' }), 'ok');
  assert.equal(await priv.ch.track({ where: 'private' }), 'ok');
  await waitFor(() => Object.keys(pub.presenceState()).length === 1 || undefined, 5000, 'public presence');
  await waitFor(() => Object.keys(priv.ch.presenceState()).length === 1 || undefined, 5000, 'private presence');
  // A member who joins later is sent the state of its own kind of channel only.
  const late = open(client(rig)).channel('room:split', { config: { presence: { key: 'late' } } }).on('presence', { event: 'sync' }, () => {});
  assert.equal((await subscribed(late)).status, 'SUBSCRIBED');
  await waitFor(() => Object.keys(late.presenceState()).length > 0 || undefined, 5000, 'the state sent at join');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(Object.keys(late.presenceState()), ['public-one']);
  assert.deepEqual(Object.keys(pub.presenceState()), ['public-one']);
  assert.equal(Object.keys(priv.ch.presenceState()).includes('public-one'), false);
});
