// The faithful profile (the default) fails as production does: a change feed restart loses the
// commits of its gap and each channel hears "Subscribed to PostgreSQL" again after the real
// backoff; while the database is unreachable a join is accepted if the tenant's connection (the
// real Connect process) is up, and otherwise refused with the reason the real server gives. The
// ideal counterparts are in restart.test.ts. The join error backoff and the connection's ready
// timeout are shortened (timing.ts) so the test does not sleep through production's 5 s and 15 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, userToken, waitFor, type Rig } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';
import { DEFAULT_JWT_SECRET, mintServiceRoleKey } from '../../stack/keys.ts';
import { CONNECT_RATE_LIMIT, INITIALIZING, UNABLE_TO_CONNECT } from '../connect.ts';

type Row = { name?: string };
type System = { extension?: string; status?: string; message?: string };
let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => ({ rig, db, stop } = await startRigWithDb(undefined, { timing: { channelErrorBackoffMs: 100, connectReadyMs: 800 } })));
after(() => stop());

const acked = (system: System[]) => system.filter((m) => m.extension === 'postgres_changes' && m.status === 'ok' && m.message === 'Subscribed to PostgreSQL');

/** A channel on audio_files INSERTs, with every subscribe status and system message it gets. */
function filesChannel(sb: ReturnType<typeof client>, name: string) {
  const got: string[] = [];
  const system: System[] = [];
  const statuses: { status: string; err?: Error }[] = [];
  const channel = sb.channel(name)
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never, (p: RealtimePostgresChangesPayload<Row>) => got.push((p.new as Row).name ?? JSON.stringify(p)))
    .on('system' as never, {} as never, (m: System) => { system.push(m); });
  channel.subscribe((status, err) => { statuses.push({ status, err }); });
  return { channel, got, system, statuses };
}

async function control(path: string, body?: unknown, token?: string): Promise<Response> {
  return fetch(`${rig.server.url}/syncwright/v1/faults/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token ?? await mintServiceRoleKey(DEFAULT_JWT_SECRET)}` },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

const insert = (name: string) => db.query(`insert into audio_files (user_id, name) values ($1, $2)`, [ALICE.id, name]);

test('the server is faithful by default', () => {
  assert.equal(rig.server.profile, 'faithful');
});

test('feed restart: a commit in the gap is not delivered, and "Subscribed to PostgreSQL" comes again', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const ch = filesChannel(sb, 'feed-restart');
  await waitFor(() => acked(ch.system)[0], 5000, 'first ack');
  const restartAt = Date.now();
  assert.equal((await control('feed-restart')).status, 200);
  await insert('in-gap.wav');
  await waitFor(() => acked(ch.system)[1], 10_000, 'second ack');
  // postgres_cdc_rls_down → postgres_subscribe(): a random 1–3 s.
  assert.ok(Date.now() - restartAt >= 1000, `second ack ${Date.now() - restartAt} ms after the restart`);
  assert.ok(!ch.system.some((m) => m.status === 'error'), 'the real server sends no error when the feed is back in time');
  await insert('after.wav');
  await waitFor(() => ch.got.includes('after.wav'), 5000, 'the change after the second ack');
  assert.deepEqual(ch.got, ['after.wav']);
  await sb.removeAllChannels();
});

test('db outage, connection kept: a join is accepted and subscribes, silently, once the database is back', async () => {
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  const live = filesChannel(sb, 'before-outage');
  await waitFor(() => acked(live.system)[0], 5000, 'first ack');
  const res = await control('db-outage', { ms: 2000 });
  assert.deepEqual(await res.json(), { ms: 2000, slow: false, dropConnection: false, profile: 'faithful' });
  const outageEnds = Date.now() + 2000;
  await insert('during-outage.wav');
  // The real Connect process outlives a short outage (its pool reconnects), so the join goes through.
  const joining = filesChannel(sb, 'during-outage');
  await waitFor(() => joining.statuses.find((s) => s.status === 'SUBSCRIBED'), 1500, 'the join during the outage');
  assert.ok(Date.now() < outageEnds, 'accepted while the database is still down');
  await waitFor(() => acked(joining.system)[0], 10_000, 'the joined channel\'s ack once the database is back');
  assert.ok(Date.now() >= outageEnds, 'no "Subscribed to PostgreSQL" before the database is back');
  await waitFor(() => acked(live.system)[1], 10_000, 'the live channel\'s second ack');
  assert.ok(![...live.system, ...joining.system].some((m) => m.status === 'error'), 'the CDC workers starting is silent');
  await insert('after-outage.wav');
  await waitFor(() => live.got.includes('after-outage.wav') && joining.got.includes('after-outage.wav'), 5000, 'the change after the outage');
  assert.deepEqual(live.got, ['after-outage.wav']);
  assert.deepEqual(joining.got, ['after-outage.wav']);
  await sb.removeAllChannels();
});

test('db outage, connection lost: a join is refused with UnableToConnectToProject, then supabase-js rejoins by itself', async () => {
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  assert.equal((await control('db-outage', { ms: 2000, dropConnection: true })).status, 200);
  const joining = filesChannel(sb, 'connection-lost');
  const refused = await waitFor(() => joining.statuses.find((s) => s.status === 'CHANNEL_ERROR'), 5000, 'the refusal');
  assert.match(String(refused.err?.message), new RegExp(UNABLE_TO_CONNECT));
  await waitFor(() => joining.statuses.find((s) => s.status === 'SUBSCRIBED'), 15_000, 'the rejoin');
  await waitFor(() => acked(joining.system)[0], 10_000, 'the rejoined channel\'s ack');
  await insert('after-lost.wav');
  await waitFor(() => joining.got.includes('after-lost.wav'), 5000, 'the change after the outage');
  await sb.removeAllChannels();
});

test('a slow database: the join that starts the connection gets InitializingProjectConnection, one waiting on it UnableToConnectToProject', async () => {
  const token = await userToken(ALICE);
  const [a, b] = [client(rig, { token: async () => token }), client(rig, { token: async () => token })];
  await Promise.all([a.realtime.setAuth(), b.realtime.setAuth()]);
  // It answers only after 2.5 s, past the (shortened) 800 ms connect_connection_ready_timeout.
  assert.equal((await control('db-outage', { ms: 2500, slow: true, dropConnection: true })).status, 200);
  const first = filesChannel(a, 'slow-a');
  await new Promise((r) => setTimeout(r, 100));
  const second = filesChannel(b, 'slow-b');
  const refusals = await waitFor(() => {
    const r = [first, second].map((ch) => ch.statuses.find((s) => s.status === 'CHANNEL_ERROR')?.err?.message);
    return r.every(Boolean) ? r : undefined;
  }, 5000, 'both refusals');
  assert.match(refusals[0]!, new RegExp(INITIALIZING), 'the join that started the connection timed out waiting for it');
  assert.match(refusals[1]!, new RegExp(UNABLE_TO_CONNECT), 'a join waiting on a start under way');
  // The connection comes up once the database answers; the rejoins go through.
  await waitFor(() => first.statuses.find((s) => s.status === 'SUBSCRIBED') && second.statuses.find((s) => s.status === 'SUBSCRIBED'), 15_000, 'both rejoins');
  await Promise.all([a.removeAllChannels(), b.removeAllChannels()]);
});

test('three failed connection starts within five seconds: DatabaseConnectionRateLimitReached, without trying', async () => {
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  assert.equal((await control('db-outage', { ms: 3000, dropConnection: true })).status, 200);
  // One socket's joins are handled in turn: each starts a connection that is refused.
  const channels = [1, 2, 3].map((i) => filesChannel(sb, `rate-${i}`));
  const reasons = () => channels.flatMap((ch) => ch.statuses.filter((s) => s.status === 'CHANNEL_ERROR').map((s) => String(s.err?.message)));
  await waitFor(() => reasons().length >= 3 || undefined, 5000, 'three refusals');
  assert.ok(reasons().slice(0, 3).every((r) => r.includes(UNABLE_TO_CONNECT)), reasons().join(' | '));
  // The counter looks at its 1 s tick; supabase-js's first rejoins come after 1 s.
  await waitFor(() => reasons().find((r) => r.includes(CONNECT_RATE_LIMIT)), 6000, 'a rejoin refused by the connect errors limit');
  await sb.removeAllChannels();
  await waitFor(() => rig.server.engine.streaming() || undefined, 10_000, 'the feed back after the outage');
});

test('the fault endpoints refuse bad calls: no service role, bad JSON, bad body, wrong method', async () => {
  const refused = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    assert.equal(((await res.json()) as { code: string }).code, code);
  };
  // From a healthy feed: the test before ends an outage, whose reconnect may still be settling.
  const healthy = () => (rig.server.engine.streaming() && rig.server.engine.databaseReachable()) || undefined;
  await waitFor(healthy, 10_000, 'a streaming feed and a reachable database');
  const user = await userToken(ALICE);
  await refused(await control('feed-restart', undefined, user), 401, 'unauthorized');
  await refused(await control('db-outage', { ms: 100 }, user), 401, 'unauthorized');
  await refused(await control('db-outage', '{'), 400, 'invalid_json');
  await refused(await control('feed-restart', '{'), 400, 'invalid_json');
  await refused(await control('db-outage', { ms: 0 }), 400, 'invalid_body');
  await refused(await control('db-outage', { ms: 61_000 }), 400, 'invalid_body');
  await refused(await control('db-outage', {}), 400, 'invalid_body');
  await refused(await control('db-outage', { ms: 100, slow: 'yes' }), 400, 'invalid_body');
  await refused(await control('db-outage', { ms: 100, dropConnection: 1 }), 400, 'invalid_body');
  await refused(await control('feed-restart', { ms: 5 }), 400, 'invalid_body');
  await refused(await fetch(`${rig.server.url}/syncwright/v1/faults/db-outage`, { method: 'PUT' }), 405, 'method_not_allowed');
  // None of them touched the feed or the database's reachability.
  assert.ok(rig.server.engine.streaming());
  assert.ok(rig.server.engine.databaseReachable());
});
