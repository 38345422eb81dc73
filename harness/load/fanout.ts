import { fork } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTarget, unsampledNote, type LoadTarget } from './target.ts';
import { TSX_NODE_ARGS } from '../stack/children.ts';
import { ROOT } from '../root.ts';
import { countBy, perSecond, resources, runK6, sampler, type K6Run, type SeriesPoint } from './k6.ts';
import { lossWithin, perUserLoss, type LoadUser } from './users.ts';
import { writerVus } from '../../k6/lib/window.ts';

export interface FanoutSize { subscribers: number; users: number; writesPerSecond: number; durationS: number }
export const SIZES: Record<'smoke' | 'full', FanoutSize> = {
  smoke: { subscribers: 100, users: 10, writesPerSecond: 10, durationS: 10 },
  full: { subscribers: 2000, users: 50, writesPerSecond: 50, durationS: 60 },
};

/** One side of the comparison: our Realtime server, or the raw `ws` baseline of the same shape. */
export interface FanoutSide {
  k6Exit: number; committed: number; expected: number; delivered: number; lost: number; lostUsers: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  /**
   * Whether the server process was sampled: not for an external target or a running stack that did
   * not record its pid. Unsampled, rssMaxMb, cpuSeconds and deliveriesPerCpuS are 0 and the report leaves them out.
   */
  serverSampled: boolean;
  rssMaxMb: number;
  /** CPU seconds of the server process while commits flowed. */
  cpuSeconds: number;
  /** Deliveries per CPU-second of the server process: what one core of this machine can fan out. */
  deliveriesPerCpuS: number;
  /** Deliveries per second of writing. */
  deliveriesPerS: number;
  k6CpuS: number;
  /** The k6 processes, one per execution segment: exit code and CPU seconds of each. */
  segments: K6Run['segments'];
  series: SeriesPoint[]; resources: ReturnType<typeof resources>;
}

export interface FanoutResult extends FanoutSide {
  size: FanoutSize; baseline?: FanoutSide; baselineRatio?: number; passed: boolean;
  /** What this run could not do on its target, and why (the report shows them). */
  notes: string[];
}

/** The report's view of a fan-out run. */
export function toLoadResult(r: FanoutResult, size: string) {
  return {
    name: 'fanout', size, passed: r.passed, series: r.series, resources: r.resources, notes: r.notes, ...(r.baselineRatio !== undefined ? { baselineRatio: r.baselineRatio } : {}),
    metrics: {
      committed: r.committed, expected: r.expected, delivered: r.delivered, lost: r.lost, p50_ms: r.latency.p50, p95_ms: r.latency.p95, p99_ms: r.latency.p99,
      ...(r.serverSampled ? { rss_max_mb: r.rssMaxMb, cpu_s: r.cpuSeconds, deliveries_per_cpu_s: r.deliveriesPerCpuS } : {}),
      deliveries_per_s: r.deliveriesPerS, k6_cpu_s: r.k6CpuS, segments: r.segments.length,
      ...(r.baseline ? { raw_ws_p99_ms: r.baseline.latency.p99, raw_ws_deliveries_per_cpu_s: r.baseline.deliveriesPerCpuS, raw_ws_lost: r.baseline.lost } : {}),
    },
  };
}

export interface Shape { size: FanoutSize; users: LoadUser[]; tmp: string; supabaseUrl: string; anonKey: string; appUrl?: string; joinsPerSecond: number; segments: number }

function timing(size: FanoutSize, joinsPerSecond: number) {
  // Joins ramp at up to 400/s (under the tenant's joins limit); every subscriber has joined before
  // the first commit, so "expected" is well defined. Writers stop at most 1 s after their duration
  // (gracefulStop); subscribers stay 6 s more, so a slow last commit still arrives.
  const rampS = Math.ceil(size.subscribers / Math.min(400, joinsPerSecond));
  const writeStartS = rampS + 3;
  return { rampS, writeStartS, writeDurationS: size.durationS, holdS: writeStartS + size.durationS + 6 };
}

/** k6/fanout.ts's config (its SW_LOAD_CONFIG) for a shape; it writes its summary to `summaryPath`. */
export function fanoutConfig(s: Shape, summaryPath: string) {
  return {
    supabaseUrl: s.supabaseUrl, anonKey: s.anonKey, appUrl: s.appUrl, users: s.users, subscribers: s.size.subscribers,
    writesPerSecond: s.size.writesPerSecond, summaryPath, ...timing(s.size, s.joinsPerSecond),
  };
}

/** k6 against one server, its process sampled meanwhile; `drive` makes the commits when k6 does not. */
async function side(name: string, s: Shape, pid: number | undefined, drive?: (writeStartS: number) => Promise<number[]>): Promise<FanoutSide> {
  const t = timing(s.size, s.joinsPerSecond);
  const summaryPath = path.join(s.tmp, `${name}-summary.json`);
  const configPath = path.join(s.tmp, `${name}-config.json`);
  await writeFile(configPath, JSON.stringify(fanoutConfig(s, summaryPath)));
  const probe = sampler(pid);
  const [run, published] = await Promise.all([runK6('fanout', configPath, summaryPath, path.join(s.tmp, `${name}-points.jsonl`), { segments: s.segments }), drive?.(t.writeStartS)]);
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
    serverSampled: pid !== undefined, rssMaxMb: usage.rssMaxMb, cpuSeconds: cpuS, deliveriesPerCpuS: cpuS > 0 ? Math.round(delivered / cpuS) : 0,
    deliveriesPerS: Math.round(delivered / s.size.durationS), k6CpuS: run.k6CpuS, segments: run.segments,
    series: perSecond(run.points, 'realtime_latency_ms', probe.startedAt), resources: resources(usage.samples),
  };
}

/** The same shape against a bare `ws` server that publishes the commits itself. */
async function rawBaseline(s: Shape): Promise<FanoutSide> {
  // From the repository, as the stack's children start: `--import tsx` resolves against the working
  // directory, and `load` may run from anywhere (an external target needs no checkout around it).
  const child = fork(fileURLToPath(new URL('./raw-ws.ts', import.meta.url)), [], { execArgv: TSX_NODE_ARGS, cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

/** The Realtime limits a stack booted for a fan-out run gets: none of them may be what is measured. */
export const limitsFor = (size: FanoutSize) => ({ max_events_per_second: 1_000_000, max_joins_per_second: 100_000, max_concurrent_users: size.subscribers * 2, max_channels_per_client: 100 });

/** The users (and the files their writers rename) of a fan-out run on `target`, and the rest of its shape. */
export async function shapeOn(target: LoadTarget, size: FanoutSize, segments: number, progress: (s: string) => void): Promise<Shape> {
  // Connections over a local tenant's limit would be refused: say so before anything runs. An
  // external target's limits are its own (see target.ts).
  if (!target.external && size.subscribers > target.limits.maxConcurrentUsers) {
    throw new Error(`${size.subscribers} subscribers exceed the stack's max_concurrent_users (${target.limits.maxConcurrentUsers}); pass --own-stack to boot one with raised limits`);
  }
  // A row per writer VU at least, so no two writers queue on one row lock or rebase on a 409.
  const users = await target.users(size.users, 'load', writerVus(size.writesPerSecond));
  if (users.length < size.users) progress(`the target knows ${users.length} users: the ${size.subscribers} subscribers watch those`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'syncwright-load-'));
  return {
    size: { ...size, users: users.length }, users, tmp, supabaseUrl: target.info.supabaseUrl, anonKey: target.info.anonKey, appUrl: target.info.appUrl,
    joinsPerSecond: Math.floor(target.limits.maxJoinsPerSecond * 0.8), segments,
  };
}

/**
 * Against the running stack (or, with `ownStack` or none running, one booted with raised Realtime
 * limits, or `target`): our server, then the raw baseline of the same shape. `segments` k6
 * processes share the load (segments.ts). On an external target nothing of the server is sampled
 * and the baseline, a ratio of server CPU, is skipped; `notes` says so.
 */
export async function runFanout(size: FanoutSize, progress: (s: string) => void, opts: { baseline?: boolean; ownStack?: boolean; target?: LoadTarget; segments?: number } = {}): Promise<FanoutResult> {
  const segments = opts.segments ?? 1;
  progress(`fan-out: ${size.subscribers} subscribers over ${size.users} users, ${size.writesPerSecond} renames/s through the app for ${size.durationS} s${segments > 1 ? `, k6 in ${segments} segments` : ''}`);
  const stack = opts.target ?? await loadTarget({ ownStack: opts.ownStack, limits: limitsFor(size) }, progress);
  const notes: string[] = [];
  try {
    const shape = await shapeOn(stack, size, segments, progress);
    const unsampled = unsampledNote(stack);
    if (unsampled) notes.push(`${unsampled} (so no deliveries per CPU-second)`);
    progress('k6: subscribers on our Realtime server, writers through the app');
    const ours = await side('realtime', shape, stack.realtimePid);
    let baseline: FanoutSide | undefined;
    if (opts.baseline !== false && stack.external) {
      notes.push('raw ws baseline skipped: it compares deliveries per CPU-second of the server, which an external target does not let us measure');
    } else if (opts.baseline !== false) {
      progress('k6: the same shape on a raw ws server (baseline)');
      baseline = await rawBaseline(shape);
    }
    const baselineRatio = baseline && baseline.deliveriesPerCpuS > 0 && ours.deliveriesPerCpuS > 0 ? Math.round((ours.deliveriesPerCpuS / baseline.deliveriesPerCpuS) * 1000) / 1000 : undefined;
    return { ...ours, size: shape.size, baseline, baselineRatio, passed: ours.k6Exit === 0 && lossWithin(ours), notes };
  } finally {
    await stack.stop();
  }
}
