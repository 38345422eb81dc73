import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFreshDb } from '../../harness/stack/fresh-db.ts';
import { ALICE } from '../../harness/stack/seed-users.ts';
import { startWorker } from '../../harness/stack/worker.ts';
import type { PostgresHandle } from '../../harness/stack/postgres.ts';

let db: PostgresHandle;
let sql: pg.Client;
let dataDir: string;
before(async () => {
  db = await startFreshDb();
  sql = new pg.Client(db.url);
  await sql.connect();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-worker-'));
});
after(async () => {
  await sql.end();
  await db.stop();
});

async function upload(name: string): Promise<string> {
  const { rows } = await sql.query(`insert into audio_files (user_id, name) values ($1, $2) returning id`, [ALICE.id, name]);
  await sql.query(`update audio_files set status = 'uploaded' where id = $1`, [rows[0].id]);
  return rows[0].id as string;
}

async function until<T>(q: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await q();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const fileStatus = async (id: string) => (await sql.query(`select status from audio_files where id = $1`, [id])).rows[0]?.status as string;

test('two workers never claim the same file, and every file ends succeeded with one run', async () => {
  const workers = await Promise.all(['w1', 'w2'].map((id) => startWorker({ dbUrl: db.url, dataDir, id, env: { TRANSCRIBE_MS: '50' } })));
  // One session runs one query at a time (pg@9 refuses overlapping ones): upload in turn, the two
  // workers still race for every file, and read all statuses in one query.
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) ids.push(await upload(`many-${i}.wav`));
  const allSucceeded = async () => (await sql.query(`select bool_and(status = 'succeeded') done from audio_files where id = any($1)`, [ids])).rows[0].done as boolean;
  await until(async () => ((await allSucceeded()) ? true : undefined));
  const runs = await sql.query(`select audio_file_id, count(*)::int n, max(transcript) t from transcript_runs where audio_file_id = any($1) group by 1`, [ids]);
  assert.equal(runs.rows.length, ids.length);
  for (const r of runs.rows) {
    assert.equal(r.n, 1, 'one run per file: no double claim');
    assert.ok(r.t.length > 0);
  }
  await Promise.all(workers.map((w) => w.stop()));
});

test('a worker killed mid-run leaves nothing stuck: another takes over after the lease', async () => {
  const slow = await startWorker({ dbUrl: db.url, dataDir, id: 'slow', env: { TRANSCRIBE_MS: '60000', LEASE_MS: '800' } });
  const id = await upload('killed.wav');
  await until(async () => ((await fileStatus(id)) === 'processing' ? true : undefined));
  slow.kill('SIGKILL');
  const rescuer = await startWorker({ dbUrl: db.url, dataDir, id: 'rescuer', env: { TRANSCRIBE_MS: '50', LEASE_MS: '800' } });
  await until(async () => ((await fileStatus(id)) === 'succeeded' ? true : undefined));
  const run = (await sql.query(`select status, attempt, lease_owner from transcript_runs where audio_file_id = $1`, [id])).rows;
  assert.equal(run.length, 1);
  assert.equal(run[0].status, 'succeeded');
  assert.equal(run[0].attempt, 2, 'the takeover is a second attempt of the same run');
  await rescuer.stop();
});

test('failure rate 1 fails the run with an error; retry (queued run) succeeds with rate 0', async () => {
  const failing = await startWorker({ dbUrl: db.url, dataDir, id: 'failing', env: { TRANSCRIBE_MS: '20', TRANSCRIBE_FAIL_RATE: '1' } });
  const id = await upload('bad.wav');
  await until(async () => ((await fileStatus(id)) === 'failed' ? true : undefined));
  const failed = (await sql.query(`select status, error from transcript_runs where audio_file_id = $1`, [id])).rows[0];
  assert.equal(failed.status, 'failed');
  assert.match(failed.error, /unreadable/);
  await failing.stop();
  const healthy = await startWorker({ dbUrl: db.url, dataDir, id: 'healthy', env: { TRANSCRIBE_MS: '20' } });
  // What the app's retry route does: a queued run, file failed → processing.
  await sql.query(`begin; update audio_files set status = 'processing' where id = $1; insert into transcript_runs (audio_file_id, user_id) values ($1, $2); commit;`.replace(/\$1/g, `'${id}'`).replace('$2', `'${ALICE.id}'`));
  await until(async () => ((await fileStatus(id)) === 'succeeded' ? true : undefined));
  const runs = (await sql.query(`select status from transcript_runs where audio_file_id = $1 order by created_at`, [id])).rows.map((r) => r.status);
  assert.deepEqual(runs, ['failed', 'succeeded']);
  await healthy.stop();
});
