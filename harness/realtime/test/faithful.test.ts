// The faithful profile (the default) fails as production does: a change feed restart loses the
// commits of its gap and each channel hears "Subscribed to PostgreSQL" again after the real
// backoff; while the database is unreachable joins are refused with the real reason. The ideal
// counterparts are in restart.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, userToken, waitFor, type Rig } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';
import { DEFAULT_JWT_SECRET, mintServiceRoleKey } from '../../stack/keys.ts';
import { DB_UNREACHABLE } from '../channel.ts';

type Row = { name?: string };
type System = { extension?: string; status?: string; message?: string };
let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => ({ rig, db, stop } = await startRigWithDb()));
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

test('db outage: a join is refused with the real reason, then supabase-js rejoins by itself once it ends', async () => {
  // Through accessToken: a token given to setAuth alone is not the one supabase-js rejoins with.
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  const live = filesChannel(sb, 'before-outage');
  await waitFor(() => acked(live.system)[0], 5000, 'first ack');
  assert.equal((await control('db-outage', { ms: 2000 })).status, 200);
  await insert('during-outage.wav');
  const joining = filesChannel(sb, 'during-outage');
  const refused = await waitFor(() => joining.statuses.find((s) => s.status === 'CHANNEL_ERROR'), 10_000, 'the refusal');
  assert.match(String(refused.err?.message), new RegExp(DB_UNREACHABLE));
  await waitFor(() => joining.statuses.find((s) => s.status === 'SUBSCRIBED'), 15_000, 'the rejoin');
  await waitFor(() => acked(joining.system)[0], 10_000, 'the rejoined channel\'s ack');
  await waitFor(() => acked(live.system)[1], 10_000, 'the live channel\'s second ack');
  await insert('after-outage.wav');
  await waitFor(() => live.got.includes('after-outage.wav') && joining.got.includes('after-outage.wav'), 5000, 'the change after the outage');
  assert.deepEqual(live.got, ['after-outage.wav']);
  await sb.removeAllChannels();
});

test('the fault endpoints refuse bad calls: no service role, bad JSON, bad body, wrong method', async () => {
  const refused = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    assert.equal(((await res.json()) as { code: string }).code, code);
  };
  const user = await userToken(ALICE);
  await refused(await control('feed-restart', undefined, user), 401, 'unauthorized');
  await refused(await control('db-outage', { ms: 100 }, user), 401, 'unauthorized');
  await refused(await control('db-outage', '{'), 400, 'invalid_json');
  await refused(await control('feed-restart', '{'), 400, 'invalid_json');
  await refused(await control('db-outage', { ms: 0 }), 400, 'invalid_body');
  await refused(await control('db-outage', { ms: 61_000 }), 400, 'invalid_body');
  await refused(await control('db-outage', {}), 400, 'invalid_body');
  await refused(await control('feed-restart', { ms: 5 }), 400, 'invalid_body');
  await refused(await fetch(`${rig.server.url}/syncwright/v1/faults/db-outage`, { method: 'PUT' }), 405, 'method_not_allowed');
  // None of them touched the feed or the database's reachability.
  assert.ok(rig.server.engine.streaming());
  assert.ok(rig.server.engine.databaseReachable());
});
