// A change of the publication's tables re-creates every subscription (faithful, the default), as the
// real SubscriptionManager's :check_oids does (subscription_manager.ex): it deletes them all and
// sends each subscribed channel :postgres_subscribe, which answers "Subscribed to PostgreSQL" again,
// or the real error for a table no longer published. What is committed until a channel has
// subscribed again does not reach it. The periodic check (every 60 s there) is shortened to 500 ms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRig, startRigWithDb, client, subscribed, userToken, waitFor, type Rig } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';
import { DEFAULT_JWT_SECRET, mintServiceRoleKey } from '../../stack/keys.ts';
import { CONTROL_PATH, PUBLICATION_CHANGE_PATH } from '../control.ts';

type System = { extension?: string; status?: string; message?: string };
let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => ({ rig, db, stop } = await startRigWithDb(undefined, { timing: { publicationCheckMs: 500 } })));
after(() => stop());

const service = () => mintServiceRoleKey(DEFAULT_JWT_SECRET);
async function change(body: unknown, opts: { token?: string; method?: string; on?: Rig } = {}): Promise<Response> {
  return fetch(`${(opts.on ?? rig).server.url}${PUBLICATION_CHANGE_PATH}`, {
    method: opts.method ?? 'POST', headers: { authorization: `Bearer ${opts.token ?? await service()}` },
    ...(opts.method === 'GET' ? {} : { body: JSON.stringify(body) }),
  });
}
const acks = (system: System[]) => system.filter((m) => m.extension === 'postgres_changes' && m.status === 'ok');

/** A channel on `table`'s changes with every system message it gets. */
function watch(sb: ReturnType<typeof client>, name: string, table: string) {
  const got: string[] = [];
  const system: System[] = [];
  const channel = sb.channel(name)
    .on('postgres_changes' as never, { event: '*', schema: 'public', table } as never, (p: RealtimePostgresChangesPayload<{ name?: string }>) => { got.push((p.new as { name?: string }).name ?? p.eventType); })
    .on('system' as never, {} as never, (m: System) => { system.push(m); });
  return { channel, got, system };
}

const insert = (name: string) => db.query(`insert into audio_files (user_id, name) values ($1, $2)`, [ALICE.id, name]);

test('a table dropped from the publication: every subscription is re-created, the dropped one refused with the real error', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const files = watch(sb, 'files', 'audio_files');
  const runs = watch(sb, 'runs', 'transcript_runs');
  for (const w of [files, runs]) assert.equal((await subscribed(w.channel)).status, 'SUBSCRIBED');
  await waitFor(() => acks(files.system)[0] && acks(runs.system)[0], 5000, 'both live');

  const res = await change({ drop: 'public.transcript_runs' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { tables: ['public.audio_files', 'public.usage_logs'], recreated: true, profile: 'faithful' });
  await waitFor(() => acks(files.system)[1], 5000, 'a fresh "Subscribed to PostgreSQL"');
  const refused = await waitFor(() => runs.system.find((m) => m.status === 'error'), 5000, 'the refusal of the unpublished table');
  assert.match(String(refused.message), /^Unable to subscribe to changes with given parameters\. Please check Realtime is enabled for the given connect parameters: \[.*transcript_runs/);
  await insert('after-drop.wav');
  await waitFor(() => files.got.includes('after-drop.wav') || undefined, 5000, 'a change after the re-subscribe');

  // Published again: the manager re-creates what it holds; the refused channel is not among them.
  const back = await change({ add: 'public.transcript_runs' });
  assert.equal(back.status, 200);
  assert.equal(((await back.json()) as { recreated: boolean }).recreated, true);
  await waitFor(() => acks(files.system)[2], 5000, 'a third ack');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(acks(runs.system).length, 1, 'a refused subscription is not retried');
  await sb.removeAllChannels();
});

test('what is committed while subscriptions are re-created reaches nobody', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const files = watch(sb, 'window', 'audio_files');
  assert.equal((await subscribed(files.channel)).status, 'SUBSCRIBED');
  await waitFor(() => acks(files.system)[0], 5000, 'live');
  // Widen the window between the old subscription's removal and the new one, for this user.
  const delay = async (ms: number) => fetch(`${rig.server.url}${CONTROL_PATH}`, {
    method: 'PUT', headers: { authorization: `Bearer ${await service()}` }, body: JSON.stringify({ sub: ALICE.id, ms }),
  });
  assert.equal((await delay(1500)).status, 200);
  const res = await change({});
  assert.equal(((await res.json()) as { recreated: boolean }).recreated, true, 'an empty body simulates a change');
  await insert('in-window.wav');
  await waitFor(() => acks(files.system)[1], 5000, 'the second ack');
  await insert('after-window.wav');
  await waitFor(() => files.got.includes('after-window.wav') || undefined, 5000, 'the change after the ack');
  assert.deepEqual(files.got, ['after-window.wav']);
  assert.equal((await delay(0)).status, 200);
  await sb.removeAllChannels();
});

test('an ALTER PUBLICATION made by the app is noticed on the next periodic check', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const files = watch(sb, 'periodic', 'audio_files');
  assert.equal((await subscribed(files.channel)).status, 'SUBSCRIBED');
  await waitFor(() => acks(files.system)[0], 5000, 'live');
  await db.query('alter publication supabase_realtime drop table public.usage_logs');
  await waitFor(() => acks(files.system)[1], 5000, 'the ack after the check noticed it');
  await db.query('alter publication supabase_realtime add table public.usage_logs');
  await waitFor(() => acks(files.system)[2], 5000, 'and again once it is back');
  await sb.removeAllChannels();
});

test('the publication-change endpoint refuses bad calls and changes nothing', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const files = watch(sb, 'bad-calls', 'audio_files');
  assert.equal((await subscribed(files.channel)).status, 'SUBSCRIBED');
  await waitFor(() => acks(files.system)[0], 5000, 'live');
  const refused = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    assert.equal(((await res.json()) as { code: string }).code, code);
  };
  await refused(await change({ add: 'audio_files' }), 400, 'invalid_body');
  await refused(await change({ add: 'public.audio_files', drop: 'public.usage_logs' }), 400, 'invalid_body');
  await refused(await change({ add: 'public.no_such_table' }), 404, 'unknown_table');
  await refused(await change({ add: 'public.audio_files' }), 409, 'already_in_publication');
  await refused(await change({ drop: 'public.deletions' }), 409, 'not_in_publication');
  await refused(await change({}, { token: await userToken(ALICE) }), 401, 'unauthorized');
  await refused(await change(undefined, { method: 'GET' }), 405, 'method_not_allowed');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(acks(files.system).length, 1, 'no subscription was re-created');
  const { rows } = await db.query(`select tablename from pg_publication_tables where pubname = 'supabase_realtime' order by 1`);
  assert.deepEqual(rows.map((r) => r.tablename), ['audio_files', 'transcript_runs', 'usage_logs']);
  await sb.removeAllChannels();
});

test('ideal: the publication changes, the subscriptions stay as they are', async () => {
  const ideal = await startRig(undefined, { profile: 'ideal' });
  try {
    const sb = client(ideal);
    await sb.realtime.setAuth(await userToken(ALICE));
    const files = watch(sb, 'ideal', 'audio_files');
    assert.equal((await subscribed(files.channel)).status, 'SUBSCRIBED');
    await waitFor(() => acks(files.system)[0], 5000, 'live');
    const res = await change({ drop: 'public.usage_logs' }, { on: ideal });
    assert.deepEqual(await res.json(), { tables: ['public.audio_files', 'public.transcript_runs'], recreated: false, profile: 'ideal' });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(acks(files.system).length, 1);
    await sb.removeAllChannels();
  } finally {
    await ideal.stop();
  }
});
