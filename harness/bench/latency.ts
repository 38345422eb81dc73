// Commit → callback latency of our Realtime server (through the unmodified supabase-js) beside a raw
// pgoutput consumer of the same updates, in one run. Both measure from the row's updated_at
// (clock_timestamp() inside the writing transaction) to receipt, so the difference is what the
// server adds: decoding, RLS check, fan-out, WebSocket, client parsing.
import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { startRig, client, userToken, waitFor, subscribed } from '../realtime/rig.ts';
import { ALICE } from '../stack/seed-users.ts';
import config from '../../syncwright.config.ts';

const N = Number(process.env.BENCH_UPDATES ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
/**
 * Far above the bench's rate: a latency bench measures delivery, not the faithful events limit's
 * drops (100/s by default, counted on 5 s ticks, so a run at 200/s was dropped from its first tick).
 */
const EVENTS_PER_SECOND = RATE * 10;

function nowMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

function parseTs(text: string): number {
  // '2026-11-25 04:22:56.123456+00' or ISO with T; keep microseconds.
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(text);
  if (!m) return NaN;
  const base = Date.parse(`${m[1]}T${m[2]}Z`) * 1000;
  return base + Number((m[3] ?? '0').padEnd(6, '0').slice(0, 6));
}

function histogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

async function main(): Promise<void> {
  const rig = await startRig({ maxEventsPerSecond: EVENTS_PER_SECOND });
  const db = new pg.Client(rig.db.url);
  await db.connect();
  const { rows } = await db.query(`insert into audio_files (user_id, name) values ($1, 'bench.wav') returning id`, [ALICE.id]);
  const id = rows[0].id as string;

  const raw = histogram();
  const server = histogram();
  let rawCount = 0;
  let serverCount = 0;

  await db.query(`select pg_create_logical_replication_slot('bench_raw', 'pgoutput')`);
  const service = new LogicalReplicationService({ connectionString: rig.db.url }, { acknowledge: { auto: true, timeoutSeconds: 10 } });
  service.on('data', (_lsn: string, msg: { tag: string; new?: Record<string, unknown> }) => {
    if (msg.tag !== 'update' || msg.new?.id !== id) return;
    const at = nowMicros();
    const ts = msg.new.updated_at;
    raw.recordValue(Math.max(1, Math.round(at - (ts instanceof Date ? ts.getTime() * 1000 : parseTs(String(ts))))));
    rawCount++;
  });
  void service.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: ['supabase_realtime'] }), 'bench_raw');

  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  const system: { status: string }[] = [];
  const ch = sb.channel('bench')
    .on('postgres_changes' as never, { event: 'UPDATE', schema: 'public', table: 'audio_files', filter: `id=eq.${id}` } as never,
      (p: { new: { updated_at: string } }) => {
        const at = nowMicros();
        server.recordValue(Math.max(1, Math.round(at - parseTs(p.new.updated_at))));
        serverCount++;
      })
    .on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
  await subscribed(ch);
  await waitFor(() => system.find((s) => s.status === 'ok'), 10_000, 'subscription');
  await new Promise((r) => setTimeout(r, 500));

  process.stderr.write(`bench: ${N} updates at ${RATE}/s…\n`);
  const gap = 1000 / RATE;
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    await db.query(`update audio_files set name = $2 where id = $1`, [id, `bench-${i}.wav`]);
    const due = start + (i + 1) * gap;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (i % 250 === 249) process.stderr.write(`bench: ${i + 1}/${N}\n`);
  }
  await waitFor(() => (rawCount >= N && serverCount >= N) || undefined, 30_000, 'all deliveries');

  const ms = (h: hdr.Histogram, p: number) => (h.getValueAtPercentile(p) / 1000).toFixed(2);
  const row = (name: string, h: hdr.Histogram, n: number) =>
    `${name.padEnd(34)} ${String(n).padStart(6)} ${ms(h, 50).padStart(8)} ${ms(h, 90).padStart(8)} ${ms(h, 99).padStart(8)} ${(h.maxValue / 1000).toFixed(2).padStart(8)}`;
  console.log(`commit → receive latency, ms (${N} updates at ${RATE}/s, same run)`);
  console.log(`${'path'.padEnd(34)} ${'count'.padStart(6)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`);
  console.log(row('raw pgoutput (baseline)', raw, rawCount));
  console.log(row('syncwright realtime → supabase-js', server, serverCount));
  const added = (server.getValueAtPercentile(99) - raw.getValueAtPercentile(99)) / 1000;
  console.log(`server adds at p99: ${added.toFixed(2)} ms (target ≤ ${config.bench.serverAddedP99Ms} ms); p50 ratio server/raw: ${(server.getValueAtPercentile(50) / raw.getValueAtPercentile(50)).toFixed(2)}×`);

  await sb.removeAllChannels();
  await service.destroy();
  await db.query(`select pg_drop_replication_slot('bench_raw')`).catch(() => {});
  await db.end();
  await rig.stop();
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
