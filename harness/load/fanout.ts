import { fork } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadTarget, type LoadTarget } from './target.ts';
import { TSX_NODE_ARGS } from '../stack/children.ts';
import { countBy, perSecond, resources, runK6, sampler, type SeriesPoint } from './k6.ts';
import { createLoadUsers, lossWithin, perUserLoss, type LoadUser } from './users.ts';
import { writerVus } from '../../k6/lib/window.ts';
import { stackSigner } from '../stack/signing.ts';

export interface FanoutSize { subscribers: number; users: number; writesPerSecond: number; durationS: number }
export const SIZES: Record<'smoke' | 'full', FanoutSize> = {
  smoke: { subscribers: 100, users: 10, writesPerSecond: 10, durationS: 10 },
  full: { subscribers: 2000, users: 50, writesPerSecond: 50, durationS: 60 },
};

/** One side of the comparison: our Realtime server, or the raw `ws` baseline of the same shape. */
export interface FanoutSide {
  k6Exit: number; committed: number; expected: number; delivered: number; lost: number; lostUsers: number;
  latency: { p50: number; p95: number; p99: number; max: number }; rssMaxMb: number;
  /** CPU seconds of the server process while commits flowed. */
  cpuSeconds: number;
  /** Deliveries per CPU-second of the server process: what one core of this machine can fan out. */
  deliveriesPerCpuS: number; k6CpuS: number; series: SeriesPoint[]; resources: ReturnType<typeof resources>;
}

export interface FanoutResult extends FanoutSide { size: FanoutSize; baseline?: FanoutSide; baselineRatio?: number; passed: boolean }

/** The report's view of a fan-out run. */
export function toLoadResult(r: FanoutResult, size: string) {
  return {
    name: 'fanout', size, passed: r.passed, series: r.series, resources: r.resources, ...(r.baselineRatio !== undefined ? { baselineRatio: r.baselineRatio } : {}),
    metrics: {
      committed: r.committed, expected: r.expected, delivered: r.delivered, lost: r.lost, p50_ms: r.latency.p50, p95_ms: r.latency.p95, p99_ms: r.latency.p99,
      rss_max_mb: r.rssMaxMb, cpu_s: r.cpuSeconds, deliveries_per_cpu_s: r.deliveriesPerCpuS, k6_cpu_s: r.k6CpuS,
      ...(r.baseline ? { raw_ws_p99_ms: r.baseline.latency.p99, raw_ws_deliveries_per_cpu_s: r.baseline.deliveriesPerCpuS, raw_ws_lost: r.baseline.lost } : {}),
    },
  };
}

interface Shape { size: FanoutSize; users: LoadUser[]; tmp: string; supabaseUrl: string; anonKey: string; appUrl?: string; joinsPerSecond: number }

function timing(size: FanoutSize, joinsPerSecond: number) {
  // Joins ramp at up to 400/s (under the tenant's joins limit); every subscriber has joined before
  // the first commit, so "expected" is well defined. Writers stop at most 1 s after their duration
  // (gracefulStop); subscribers stay 6 s more, so a slow last commit still arrives.
  const rampS = Math.ceil(size.subscribers / Math.min(400, joinsPerSecond));
  const writeStartS = rampS + 3;
  return { rampS, writeStartS, writeDurationS: size.durationS, holdS: writeStartS + size.durationS + 6 };
}

/** k6 against one server, its process sampled meanwhile; `drive` makes the commits when k6 does not. */
async function side(name: string, s: Shape, pid: number | undefined, drive?: (writeStartS: number) => Promise<number[]>): Promise<FanoutSide> {
  const t = timing(s.size, s.joinsPerSecond);
  const summaryPath = path.join(s.tmp, `${name}-summary.json`);
  const configPath = path.join(s.tmp, `${name}-config.json`);
  await writeFile(configPath, JSON.stringify({
    supabaseUrl: s.supabaseUrl, anonKey: s.anonKey, appUrl: s.appUrl, users: s.users, subscribers: s.size.subscribers,
    writesPerSecond: s.size.writesPerSecond, summaryPath, ...t,
  }));
  const probe = sampler(pid);
  const [run, published] = await Promise.all([runK6('fanout', configPath, summaryPath, path.join(s.tmp, `${name}-points.jsonl`)), drive?.(t.writeStartS)]);
  const usage = probe.stop();
  // CPU while commits flow only: joins and start-up would swamp a small run's fan-out work.
  const during = usage.samples.filter((x) => x.t >= t.writeStartS && x.t <= t.writeStartS + s.size.durationS);
  const cpuS = during.length > 1 ? Math.round((during[during.length - 1]!.cpuS - during[0]!.cpuS) * 100) / 100 : usage.cpuS;
  const perUser = published ? new Map(s.users.map((u, i) => [u.id, published[i]!])) : countBy(run.points, 'writes_committed', 'user');
  const loss = perUserLoss(s.users, s.size.subscribers, perUser, countBy(run.points, 'realtime_delivered', 'user'));
  const { delivered } = loss;
  const lat = run.summary.metrics.realtime_latency_ms?.values ?? {};
  return {
    k6Exit: run.exit, ...loss,
    latency: { p50: lat.med ?? 0, p95: lat['p(95)'] ?? 0, p99: lat['p(99)'] ?? 0, max: lat.max ?? 0 },
    rssMaxMb: usage.rssMaxMb, cpuSeconds: cpuS, deliveriesPerCpuS: cpuS > 0 ? Math.round(delivered / cpuS) : 0, k6CpuS: run.k6CpuS,
    series: perSecond(run.points, 'realtime_latency_ms', probe.startedAt), resources: resources(usage.samples),
  };
}

/** The same shape against a bare `ws` server that publishes the commits itself. */
async function rawBaseline(s: Shape): Promise<FanoutSide> {
  const child = fork(fileURLToPath(new URL('./raw-ws.ts', import.meta.url)), [], { execArgv: TSX_NODE_ARGS, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { listening?: number }) => resolve(m.listening ?? 0));
      child.once('exit', (c) => reject(new Error(`raw ws baseline exited (${c}) before listening`)));
    });
    return await side('raw-ws', { ...s, supabaseUrl: `http://127.0.0.1:${port}`, appUrl: undefined }, child.pid!, async (writeStartS) => {
      await new Promise((r) => setTimeout(r, writeStartS * 1000));
      child.send({ start: { users: s.users.map((u) => u.id), perSecond: s.size.writesPerSecond, durationS: s.size.durationS } });
      return new Promise<number[]>((r) => child.on('message', (m: { published?: number[] }) => { if (m.published) r(m.published); }));
    });
  } finally {
    child.kill();
  }
}

/**
 * Against the running stack (or, with `ownStack` or none running, one booted with raised Realtime
 * limits): our server, then the raw baseline of the same shape.
 */
export async function runFanout(size: FanoutSize, progress: (s: string) => void, opts: { baseline?: boolean; ownStack?: boolean; target?: LoadTarget } = {}): Promise<FanoutResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'syncwright-load-'));
  progress(`fan-out: ${size.subscribers} subscribers over ${size.users} users, ${size.writesPerSecond} renames/s through the app for ${size.durationS} s`);
  const stack = opts.target ?? await loadTarget({ ownStack: opts.ownStack, limits: { max_events_per_second: 1_000_000, max_joins_per_second: 100_000, max_concurrent_users: size.subscribers * 2, max_channels_per_client: 100 } }, progress);
  const db = new pg.Client(stack.info.dbUrl);
  // It idles through the k6 run: a lost connection (a restarted Postgres) is said, not a crash.
  db.on('error', (err) => progress(`database connection lost: ${err.message}`));
  try {
    // Connections over the tenant's limit would be refused: say so before anything runs.
    if (size.subscribers > stack.limits.maxConcurrentUsers) {
      throw new Error(`${size.subscribers} subscribers exceed the stack's max_concurrent_users (${stack.limits.maxConcurrentUsers}); pass --own-stack to boot one with raised limits`);
    }
    await db.connect();
    // A row per writer VU at least, so no two writers queue on one row lock or rebase on a 409.
    const users = await createLoadUsers(db, await stackSigner(stack.info), size.users, 'load', Math.ceil(writerVus(size.writesPerSecond) / size.users));
    const shape: Shape = { size, users, tmp, supabaseUrl: stack.info.supabaseUrl, anonKey: stack.info.anonKey, appUrl: stack.info.appUrl, joinsPerSecond: Math.floor(stack.limits.maxJoinsPerSecond * 0.8) };
    progress('k6: subscribers on our Realtime server, writers through the app');
    const ours = await side('realtime', shape, stack.realtimePid);
    let baseline: FanoutSide | undefined;
    if (opts.baseline !== false) {
      progress('k6: the same shape on a raw ws server (baseline)');
      baseline = await rawBaseline(shape);
    }
    const baselineRatio = baseline && baseline.deliveriesPerCpuS > 0 && ours.deliveriesPerCpuS > 0 ? Math.round((ours.deliveriesPerCpuS / baseline.deliveriesPerCpuS) * 1000) / 1000 : undefined;
    return { ...ours, size, baseline, baselineRatio, passed: ours.k6Exit === 0 && lossWithin(ours) };
  } finally {
    await db.end().catch(() => {});
    await stack.stop();
  }
}
