// The widened window between SUBSCRIBED and the postgres_changes ack (subscribeDelayMs), as the real
// server has it: a change committed inside the window is not delivered, one after the ack is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, userToken, waitFor, subscribed, type Rig } from '../rig.ts';
import { ALICE, BOB } from '../../stack/seed-users.ts';
import { DEFAULT_JWT_SECRET, mintServiceRoleKey } from '../../stack/keys.ts';

type Row = { name?: string };
const DELAY_MS = 800;
let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => ({ rig, db, stop } = await startRigWithDb(undefined, { subscribeDelayMs: DELAY_MS })));
after(() => stop());

test('postgres_changes go live and are acked only after the delay; a change inside the window is not delivered', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const got: RealtimePostgresChangesPayload<Row>[] = [];
  const acks: number[] = [];
  const channel = sb.channel('window')
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never, (p: RealtimePostgresChangesPayload<Row>) => got.push(p))
    .on('system' as never, {} as never, (m: { extension?: string; status?: string }) => {
      if (m.extension === 'postgres_changes' && m.status === 'ok') acks.push(Date.now());
    });
  assert.equal((await subscribed(channel)).status, 'SUBSCRIBED');
  const subscribedAt = Date.now();
  await db.query(`insert into audio_files (user_id, name) values ($1, 'in-window.wav')`, [ALICE.id]);
  assert.equal(acks.length, 0, 'the insert was committed before the ack');
  const ackAt = await waitFor(() => acks[0], DELAY_MS + 5000, 'postgres_changes ack');
  assert.ok(ackAt - subscribedAt >= DELAY_MS - 50, `ack came ${ackAt - subscribedAt} ms after SUBSCRIBED`);
  await db.query(`insert into audio_files (user_id, name) values ($1, 'after-ack.wav')`, [ALICE.id]);
  await waitFor(() => got.find((p) => (p.new as Row).name === 'after-ack.wav'), 5000, 'the change after the ack');
  assert.deepEqual(got.map((p) => (p.new as Row).name), ['after-ack.wav']);
  await sb.removeAllChannels();
});

test('the control endpoint widens the window for one user only, and refuses bad calls without changing anything', async () => {
  const url = `${rig.server.url}/syncwright/v1/subscribe-delay`;
  const service = await mintServiceRoleKey(DEFAULT_JWT_SECRET);
  const put = (body: unknown, token = service) => fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const refused = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    assert.equal(((await res.json()) as { code: string }).code, code);
  };
  await refused(await put({ sub: BOB.id, ms: 5000 }, await userToken(BOB)), 401, 'unauthorized');
  await refused(await put({ sub: BOB.id, ms: -1 }), 400, 'invalid_body');
  await refused(await put({ sub: BOB.id, ms: 10, extra: 1 }), 400, 'invalid_body');
  await refused(await fetch(url, { method: 'POST' }), 405, 'method_not_allowed');
  // Bob gets no delay of his own from the refused calls, so the server-wide one applies.
  assert.equal(rig.server.tenant.subscribeDelayFor({ sub: BOB.id }), DELAY_MS);
  const ok = await put({ sub: BOB.id, ms: 20 });
  assert.equal(ok.status, 200);
  assert.equal(rig.server.tenant.subscribeDelayFor({ sub: BOB.id }), 20);
  assert.equal(rig.server.tenant.subscribeDelayFor({ sub: ALICE.id }), DELAY_MS);
  // Bob's join is acked after his own 20 ms, well before the server-wide window would end.
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(BOB));
  let ackAt = 0;
  const channel = sb.channel('bob-window')
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never, () => {})
    .on('system' as never, {} as never, (m: { extension?: string; status?: string }) => {
      if (m.extension === 'postgres_changes' && m.status === 'ok') ackAt = Date.now();
    });
  await subscribed(channel);
  const subscribedAt = Date.now();
  await waitFor(() => ackAt || undefined, DELAY_MS + 5000, "bob's postgres_changes ack");
  assert.ok(ackAt - subscribedAt < DELAY_MS / 2, `bob's ack came ${ackAt - subscribedAt} ms after SUBSCRIBED`);
  await sb.removeAllChannels();
  assert.equal((await put({ sub: BOB.id, ms: 0 })).status, 200);
  assert.equal(rig.server.tenant.subscribeDelayFor({ sub: BOB.id }), DELAY_MS);
});

// postgres_changes_options.wait: SUBSCRIBED only once changes flow (realtime-js 2.119 extends its join
// timeout to outlast the held reply).
function waitingChannel(sb: ReturnType<typeof client>, topic: string, table: string, timeout?: number) {
  const got: RealtimePostgresChangesPayload<Row>[] = [];
  const channel = sb.channel(topic, { config: { postgres_changes_options: { wait: true, ...(timeout ? { timeout } : {}) } } } as never)
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table } as never, (p: RealtimePostgresChangesPayload<Row>) => got.push(p));
  return { got, channel };
}

test('with wait, SUBSCRIBED comes once the subscription is live, so a change committed right after it is delivered', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const { got, channel } = waitingChannel(sb, 'wait-live', 'audio_files');
  const asked = Date.now();
  assert.equal((await subscribed(channel)).status, 'SUBSCRIBED');
  assert.ok(Date.now() - asked >= DELAY_MS - 50, `SUBSCRIBED came ${Date.now() - asked} ms after subscribe(), inside the window`);
  await db.query(`insert into audio_files (user_id, name) values ($1, 'right-after.wav')`, [ALICE.id]);
  await waitFor(() => got.find((p) => (p.new as Row).name === 'right-after.wav'), 5000, 'the change right after SUBSCRIBED');
  await sb.removeAllChannels();
});

test('with wait, a subscription that is not live within the timeout, or is refused, rejects the join', async () => {
  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const slow = waitingChannel(sb, 'wait-slow', 'audio_files', 300);
  const late = await subscribed(slow.channel);
  assert.equal(late.status, 'CHANNEL_ERROR');
  assert.match(String(late.err?.message), /^PostgresChangesSubscribeTimeout: /);
  const bad = waitingChannel(sb, 'wait-bad', 'no_such_table');
  const refused = await subscribed(bad.channel);
  assert.equal(refused.status, 'CHANNEL_ERROR');
  assert.match(String(refused.err?.message), /no_such_table/);
  await sb.removeAllChannels();
});
