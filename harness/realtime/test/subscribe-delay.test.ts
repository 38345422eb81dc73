// The widened window between SUBSCRIBED and the postgres_changes ack (subscribeDelayMs), as the real
// server has it: a change committed inside the window is not delivered, one after the ack is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, userToken, waitFor, subscribed, type Rig } from './helpers.ts';
import { ALICE } from '../../stack/testing.ts';

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
