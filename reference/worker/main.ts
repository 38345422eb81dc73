// The reference worker: claims uploaded files and queued runs, transcribes them, ends them.
// Wakes on LISTEN syncwright_work; a slow timer only sweeps expired leases of crashed workers.
import pg from 'pg';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { claim, finish, renewLease, type Claimed } from './claim.ts';
import { SyntheticTranscriber } from './transcriber.ts';
import { bugSwitch, parsePlantedBug } from '../planted.ts';

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`worker: ${name} must be a non-negative number, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

const dbUrl = process.env.DATABASE_URL;
if (!dbUrl) {
  console.error('worker: DATABASE_URL is required');
  process.exit(2);
}
const owner = process.env.WORKER_ID ?? `worker-${process.pid}`;
const dataDir = process.env.SYNCWRIGHT_DATA_DIR ?? '.';
const leaseMs = num('LEASE_MS', 5000);
const bugOn = bugSwitch(parsePlantedBug(process.env.SYNC_PLANTED));
const transcriber = new SyntheticTranscriber({ durationMs: num('TRANSCRIBE_MS', 300), failRate: num('TRANSCRIBE_FAIL_RATE', 0), seed: process.env.TRANSCRIBE_SEED });

const pool = new pg.Pool({ connectionString: dbUrl, max: 3 });
pool.on('error', () => {});
let stopping = false;
let busy = false;
let again = false;

/**
 * One line a committed status write, `history {…}`: a harness reading this worker's output adds it
 * to the run's history as the worker's own `write` (Jepsen: every process records what it did).
 */
function recordWrite(entityId: string, status: string, runId: string): void {
  console.log(`history ${JSON.stringify({ op: 'status', entityId, status, runId })}`);
}

async function work(c: Claimed): Promise<void> {
  recordWrite(c.fileId, 'processing', c.runId);
  const renew = setInterval(() => void renewLease(pool, c, owner, leaseMs).catch(() => {}), Math.max(100, leaseMs / 3));
  try {
    const bytes = c.storagePath ? await readFile(path.resolve(dataDir, c.storagePath)).catch(() => undefined) : undefined;
    let outcome: Parameters<typeof finish>[3];
    try {
      const t = await transcriber.transcribe({ id: c.fileId, name: c.name, bytes });
      outcome = { ok: true, text: t.text, durationMs: t.durationMs };
    } catch (err) {
      outcome = { ok: false, error: (err as Error).message };
    }
    const db = await pool.connect();
    try {
      const done = await finish(db, c, owner, outcome, { skipRunRow: bugOn('worker-skip-run-row') });
      console.log(`${owner}: run ${c.runId} (attempt ${c.attempt}) ${done ? (outcome.ok ? 'succeeded' : 'failed') : 'lost its lease'}`);
      if (done) recordWrite(c.fileId, outcome.ok ? 'succeeded' : 'failed', c.runId);
    } finally {
      db.release();
    }
  } finally {
    clearInterval(renew);
  }
}

/** Drains all claimable work; a wake-up during a drain schedules one more pass. */
async function drain(): Promise<void> {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    do {
      again = false;
      for (;;) {
        if (stopping) return;
        const db = await pool.connect();
        let c: Claimed | undefined;
        try {
          c = await claim(db, owner, leaseMs);
        } finally {
          db.release();
        }
        if (!c) break;
        await work(c);
      }
    } while (again && !stopping);
  } catch (err) {
    console.error(`${owner}: ${(err as Error).message}`);
    setTimeout(() => void drain(), 1000);
  } finally {
    busy = false;
  }
}

async function listen(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: dbUrl });
  client.on('error', () => {
    if (!stopping) setTimeout(() => void listen().catch(() => {}), 1000);
  });
  client.on('notification', () => void drain());
  await client.connect();
  await client.query('listen syncwright_work');
  return client;
}

const listener = await listen();
const sweep = setInterval(() => void drain(), leaseMs);
await drain();
console.log(`${owner}: worker ready (lease ${leaseMs} ms)`);

const stop = async () => {
  stopping = true;
  clearInterval(sweep);
  await listener.end().catch(() => {});
  await pool.end().catch(() => {});
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
