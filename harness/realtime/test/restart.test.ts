import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRig, client, userToken, waitFor, subscribed } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';
import { startRealtime } from '../server.ts';
import { DEFAULT_JWT_SECRET, mintServiceRoleKey } from '../../stack/keys.ts';

type Payload = RealtimePostgresChangesPayload<{ name: string }>;

/** One channel listening to audio_files INSERTs, joined; `system` collects the server's system messages. */
async function filesChannel(sb: ReturnType<typeof client>, got: Payload[]) {
  const system: { status: string }[] = [];
  const ch = sb.channel('files').on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never, (p: Payload) => got.push(p))
    .on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  return { ch, system };
}

async function insert(url: string, name: string): Promise<void> {
  const c = new pg.Client(url);
  c.on('error', () => {});
  await c.connect();
  await c.query(`insert into audio_files (user_id, name) values ($1, $2)`, [ALICE.id, name]);
  await c.end();
}

test('Realtime server restart: the unmodified client reconnects, rejoins with its bindings, receives later changes', async () => {
  const rig = await startRig();
  const port = rig.server.port;
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  // Resolve the callback before joining, or the first join races it and goes out with the anon key.
  await sb.realtime.setAuth();
  const got: Payload[] = [];
  const { ch, system } = await filesChannel(sb, got);
  await waitFor(() => system.find((s) => s.status === 'ok'), 5000, 'system ok');
  await insert(rig.db.url, 'before.wav');
  await waitFor(() => got.find((p) => (p.new as { name?: string }).name === 'before.wav'));

  await rig.server.stop();
  await waitFor(() => !sb.realtime.isConnected() || undefined, 5000, 'client to notice');
  const again = await startRealtime({ port, dbUrl: rig.db.url, jwtSecret: DEFAULT_JWT_SECRET, onLog: process.env.RT_DEBUG ? (l) => console.error(`[rt2] ${l}`) : undefined });
  const acksBefore = system.length;
  await waitFor(() => (sb.realtime.isConnected() && ch.state === 'joined') || undefined, 15_000, 'client rejoin');
  // The rejoin re-subscribes postgres_changes; a change after its system ack must arrive.
  await waitFor(() => system.slice(acksBefore).find((s) => s.status === 'ok'), 10_000, 'system ok after rejoin');
  await insert(rig.db.url, 'after.wav');
  await waitFor(() => got.find((p) => (p.new as { name?: string }).name === 'after.wav'), 10_000, 'change after restart');
  await sb.removeAllChannels();
  await again.stop();
  await rig.db.stop();
});

test('Postgres restart, ideal: the server resumes replication and a commit made right after is delivered', async () => {
  // Lossless resume from the confirmed LSN is the ideal profile's; faithful loses the gap (below).
  const rig = await startRig(undefined, { profile: 'ideal' });
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const got: Payload[] = [];
  const { ch, system } = await filesChannel(sb, got);
  // SUBSCRIBED comes from the join reply alone; the postgres_changes subscription is live at the system ack.
  await waitFor(() => system.find((s) => s.status === 'ok'), 5000, 'system ok');
  await rig.db.restart();
  // Committed while the server's replication connection is still down or reconnecting.
  await insert(rig.db.url, 'during-gap.wav');
  await waitFor(() => got.find((p) => (p.new as { name?: string }).name === 'during-gap.wav'), 15_000, 'change committed in the gap');
  const res = await fetch(`${rig.server.url}/health`);
  assert.equal(res.status, 200);
  await sb.removeAllChannels();
  await rig.stop();
});

test('Postgres restart, faithful: a commit in the gap is lost, "Subscribed to PostgreSQL" comes again, later commits arrive', async () => {
  const rig = await startRig();
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const got: Payload[] = [];
  const { system } = await filesChannel(sb, got);
  const acks = () => system.filter((s) => s.status === 'ok');
  await waitFor(() => acks()[0], 5000, 'system ok');
  await rig.db.restart();
  // The real server polls a temporary slot: it goes with the connection, and the new one starts from now.
  await insert(rig.db.url, 'during-gap.wav');
  await waitFor(() => acks()[1], 15_000, 'the second system ok');
  await insert(rig.db.url, 'after-gap.wav');
  await waitFor(() => got.find((p) => (p.new as { name?: string }).name === 'after-gap.wav'), 10_000, 'the change after the second ack');
  assert.deepEqual(got.map((p) => (p.new as { name?: string }).name), ['after-gap.wav']);
  await sb.removeAllChannels();
  await rig.stop();
});

test('feed restart, ideal: the commit made while the feed restarts is delivered', async () => {
  const rig = await startRig(undefined, { profile: 'ideal' });
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const got: Payload[] = [];
  const { system } = await filesChannel(sb, got);
  await waitFor(() => system.find((s) => s.status === 'ok'), 5000, 'system ok');
  const res = await fetch(`${rig.server.url}/syncwright/v1/faults/feed-restart`, {
    method: 'POST', headers: { authorization: `Bearer ${await mintServiceRoleKey(DEFAULT_JWT_SECRET)}` },
  });
  assert.deepEqual(await res.json(), { profile: 'ideal' });
  await insert(rig.db.url, 'in-gap.wav');
  await waitFor(() => got.find((p) => (p.new as { name?: string }).name === 'in-gap.wav'), 10_000, 'the change committed in the gap');
  // Nothing went down for the channel, so there is no second ack.
  assert.equal(system.filter((s) => s.status === 'ok').length, 1);
  await sb.removeAllChannels();
  await rig.stop();
});

test('too many joins per second, ideal (an exact 1 s window): the real reason, and other sockets are unaffected', async () => {
  // The faithful counter (checked on 5 s ticks) is tested in rate-limits.test.ts.
  const rig = await startRig({ maxJoinsPerSecond: 3 }, { profile: 'ideal' });
  const calm = client(rig);
  assert.equal((await subscribed(calm.channel('calm'))).status, 'SUBSCRIBED');
  const noisy = client(rig);
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => subscribed(noisy.channel(`n${i}`))));
  const refused = results.filter((r) => r.status === 'CHANNEL_ERROR');
  assert.ok(refused.length > 0, 'some joins refused');
  assert.match(refused[0]!.err!.message, /ClientJoinRateLimitReached: Too many joins per second/);
  const ack = await calm.channel('calm').send({ type: 'broadcast', event: 'x', payload: {} });
  assert.equal(ack, 'ok');
  await noisy.removeAllChannels(); await calm.removeAllChannels();
  await rig.stop();
});
