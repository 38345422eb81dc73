import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startRig, client, userToken, waitFor, subscribed, type Rig } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';

let rig: Rig;
before(async () => { rig = await startRig(); });
after(async () => { await rig.stop(); });

async function ready(sb: ReturnType<typeof client>, name: string, specs: { event: string; table?: string; filter?: string }[], got: Map<string, number>) {
  const system: { status: string }[] = [];
  let ch = sb.channel(name);
  for (const [i, spec] of specs.entries()) {
    ch = ch.on('postgres_changes' as never, { schema: 'public', ...spec } as never, (p: { table: string }) => {
      const key = `${name}#${i}:${p.table}`;
      got.set(key, (got.get(key) ?? 0) + 1);
    });
  }
  ch.on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  await waitFor(() => system.find((s) => s.status === 'ok'), 5000, `${name} system ok`);
}

test('two channels with overlapping filters each get the change exactly once', async () => {
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  const got = new Map<string, number>();
  await ready(sb, 'a', [{ event: '*', table: 'audio_files', filter: `user_id=eq.${ALICE.id}` }], got);
  await ready(sb, 'b', [{ event: 'UPDATE', table: 'audio_files' }], got);
  const db = new pg.Client(rig.db.url);
  await db.connect();
  const { rows } = await db.query(`select id from audio_files where user_id = $1 limit 1`, [ALICE.id]);
  await db.query(`update audio_files set name = 'overlap.wav' where id = $1`, [rows[0].id]);
  await waitFor(() => (got.get('a#0:audio_files') && got.get('b#0:audio_files')) || undefined, 5000, 'both channels');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(got.get('a#0:audio_files'), 1);
  assert.equal(got.get('b#0:audio_files'), 1);
  await db.end();
  await sb.removeAllChannels();
});

test('changes to two tables in one transaction reach the handler of each table', async () => {
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  const got = new Map<string, number>();
  await ready(sb, 'two', [{ event: 'UPDATE', table: 'audio_files' }, { event: 'UPDATE', table: 'usage_logs' }], got);
  const db = new pg.Client(rig.db.url);
  await db.connect();
  await db.query(`begin; update audio_files set name = 'tx.wav' where user_id = '${ALICE.id}'; update usage_logs set uploads_count = uploads_count + 1 where user_id = '${ALICE.id}'; commit;`);
  await waitFor(() => (got.get('two#0:audio_files') && got.get('two#1:usage_logs')) || undefined, 5000, 'both tables');
  assert.equal(got.get('two#0:usage_logs'), undefined, 'the audio_files handler never sees usage_logs');
  assert.equal(got.get('two#1:audio_files'), undefined, 'the usage_logs handler never sees audio_files');
  await db.end();
  await sb.removeAllChannels();
});
