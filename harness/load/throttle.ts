import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadTarget, type LoadTarget } from './target.ts';
import { countBy, perSecond, resources, runK6, sampler, type SeriesPoint } from './k6.ts';
import { lossWithin, perUserLoss } from './users.ts';
import { writerVus } from '../../k6/lib/window.ts';
import { callControl, type ControlTarget } from '../faults/control-client.ts';
import { METRICS_PATH } from '../realtime/control.ts';
import { TOO_MANY_MESSAGES, type Limiter } from '../realtime/limiter.ts';
import type { TickRecord } from '../realtime/rate-counter.ts';
import config from '../../syncwright.config.ts';

export interface ThrottleSize { limit: number; users: number; watchers: number; writesPerSecond: number }
export const THROTTLE_SIZES: Record<'smoke' | 'full', ThrottleSize> = {
  smoke: { limit: 20, users: 4, watchers: 20, writesPerSecond: 20 },
  full: { limit: 100, users: 20, watchers: 200, writesPerSecond: 50 },
};

export interface ThrottleCheck { name: string; ok: boolean; detail: string }
export interface ThrottleResult {
  size: ThrottleSize; k6Exit: number; checks: ThrottleCheck[]; passed: boolean; series: SeriesPoint[]; resources: ReturnType<typeof resources>;
  metrics: Record<string, number>;
  /** What the run could not judge on its target, and why. */
  notes: string[];
}

/** The report's view of a throttle run. */
export function toThrottleLoadResult(r: ThrottleResult, size: string) {
  return { name: 'throttle', size, passed: r.passed, series: r.series, resources: r.resources, metrics: r.metrics };
}

// Phase starts in seconds from k6's start; see k6/throttle.ts.
const PHASES = { politeAt: 3, floodAt: 11, writeEnd: 17 };
/** How long after k6 the harness waits for the faithful counters to release, so their ticks on the way down are checked too. */
const RELEASE_WAIT_MS = 90_000;

type ServerMetrics = ReturnType<Limiter['metrics']>;
type CounterSnapshot = ServerMetrics['counters'] extends infer C ? C extends { events: infer S } ? S : never : never;

/** The server's limiter counters, dropped deliveries and channels shut (GET /syncwright/v1/metrics). */
async function serverMetrics(info: ControlTarget): Promise<ServerMetrics> {
  return await callControl(info, 'GET', METRICS_PATH, undefined, 'a Realtime server older than this harness? Restart syncwright up') as ServerMetrics;
}

/** After k6: the metrics once the faithful counters have released (or the wait is over). */
async function settledMetrics(info: ControlTarget): Promise<ServerMetrics> {
  const until = Date.now() + RELEASE_WAIT_MS;
  for (;;) {
    const m = await serverMetrics(info);
    const c = m.counters as Partial<Record<'events' | 'db_events', CounterSnapshot>>;
    if ((!c.events?.triggered && !c.db_events?.triggered) || Date.now() > until) return m;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The real counter's rule on every tick since `since`, against the limit the script was told: tripped
 * exactly when the average is at or above it (tripping at >=, releasing below). A server whose
 * limit is looser shows a tick over the configured limit that did not trip.
 */
export function ticksFollow(history: readonly TickRecord[], since: number, limit: number): { ok: boolean; ticks: number; trips: number; detail: string } {
  const ticks = history.filter((h) => h.at >= since);
  const bad = ticks.find((h) => h.triggered !== h.avg >= limit);
  const trips = ticks.filter((h, i) => h.triggered && !(i > 0 && ticks[i - 1]!.triggered)).length;
  const detail = bad
    ? `a tick at avg ${bad.avg.toFixed(1)}/s was ${bad.triggered ? 'tripped' : 'not tripped'} (limit ${limit})`
    : `${ticks.length} ticks, ${trips} trip(s), each at avg >= ${limit}/s`;
  return { ok: !bad && ticks.length > 0, ticks: ticks.length, trips, detail };
}

/**
 * Runs k6/throttle.ts against the running stack, whose limit L is supabase/config.toml's, or (with
 * `ownStack`, or none running) a stack booted with `size.limit`. `serverLimit` boots the server with
 * another limit than the script is told: a planted bug (a limiter looser than configured) that the
 * checks must catch.
 */
export async function runThrottle(size: ThrottleSize, progress: (s: string) => void, opts: { serverLimit?: number; ownStack?: boolean; target?: LoadTarget; segments?: number } = {}): Promise<ThrottleResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'syncwright-throttle-'));
  const stack = opts.target ?? await loadTarget({
    ownStack: opts.ownStack || opts.serverLimit !== undefined,
    limits: { max_events_per_second: opts.serverLimit ?? size.limit, max_joins_per_second: 10_000, max_concurrent_users: size.watchers * 2 + 10 },
  }, progress);
  if (!stack.owned) size = { ...size, limit: stack.limits.maxEventsPerSecond };
  progress(`throttle: max_events_per_second = ${size.limit}, ${size.watchers} watchers over ${size.users} users, ${size.writesPerSecond} renames/s`);
  try {
    if (!stack.external && size.watchers + 4 > stack.limits.maxConcurrentUsers) {
      throw new Error(`${size.watchers} watchers exceed the stack's max_concurrent_users (${stack.limits.maxConcurrentUsers}); pass --own-stack`);
    }
    const users = await stack.users(size.users, 'throttle', writerVus(size.writesPerSecond));
    const summaryPath = path.join(tmp, 'summary.json');
    const cfgPath = path.join(tmp, 'config.json');
    // An external target has no control endpoint: its accounts are not read, and it is taken to
    // fail as production does (faithful).
    const control = stack.control;
    const before = control ? await serverMetrics(control) : undefined;
    const profile = before?.profile ?? 'faithful';
    const faithful = profile === 'faithful';
    // Under faithful the listener's receipt counts as well as the push: half the ideal rate stays as far below L.
    const politePerSecond = faithful ? size.limit / 4 : size.limit / 2;
    await writeFile(cfgPath, JSON.stringify({
      supabaseUrl: stack.info.supabaseUrl, anonKey: stack.info.anonKey, appUrl: stack.info.appUrl, users,
      watchers: size.watchers, limit: size.limit, writesPerSecond: size.writesPerSecond, summaryPath, ...PHASES, profile, politePerSecond,
    }));
    progress(`k6: polite sender, offender, watchers and writers (server profile ${profile}${before ? '' : ', assumed'})`);
    const probe = sampler(stack.realtimePid);
    const startedAt = Date.now();
    const run = await runK6('throttle', cfgPath, summaryPath, path.join(tmp, 'points.jsonl'), { segments: opts.segments });
    const usage = probe.stop();
    if (before && faithful) progress('waiting for the server\'s rate counters to release');
    const after = !control || !before ? undefined : faithful ? await settledMetrics(control) : await serverMetrics(control);
    const m = (name: string, stat = 'count') => run.summary.metrics[name]?.values[stat] ?? 0;
    const accounts = before && after ? {
      shut: (after.shut[TOO_MANY_MESSAGES] ?? 0) - (before.shut[TOO_MANY_MESSAGES] ?? 0),
      dropped: after.dropped.postgres_changes.deliveries - before.dropped.postgres_changes.deliveries,
    } : undefined;

    const loss = perUserLoss(users, size.watchers, countBy(run.points, 'writes_committed', 'user'), countBy(run.points, 'realtime_delivered', 'user'));
    const { committed, delivered, lost } = loss;
    const synced = countBy(run.points, 'throttle_synced_updated_at', 'user').get(users[0]!.id);
    const dbMs = await stack.updatedAtMs(users[0]!, users[0]!.files[0]!);

    const checks: ThrottleCheck[] = [
      { name: 'k6 thresholds', ok: run.exit === 0, detail: `k6 exit ${run.exit}` },
      { name: 'below the limit nothing is dropped', ok: m('throttle_polite_sent') > 0 && m('throttle_polite_lost') === 0, detail: `polite sender ${m('throttle_polite_sent')} sent, ${m('throttle_polite_lost')} lost` },
      ...(!faithful
        ? [{ name: 'the limiter engages', ok: m('throttle_flood_received') < m('throttle_flood_sent'), detail: `offender ${m('throttle_flood_sent')} sent, listener got ${m('throttle_flood_received')}` }]
        : accounts
          // A receiver is stopped after the message that found the limit tripped: the listener got all that was sent until then.
          ? [{ name: 'the limiter engages', ok: m('throttle_listener_shut') > 0 && m('throttle_offender_told') > 0, detail: `offender ${m('throttle_flood_sent')} sent, listener got ${m('throttle_flood_received')}; listener told ${m('throttle_listener_shut')}, offender told ${m('throttle_offender_told')}` }]
          : []),
      ...(faithful ? (before && after && accounts ? faithfulChecks(before, after, accounts) : []) : [
        { name: 'never above the limit in any 1 s window', ok: m('throttle_over_limit') === 0 && m('throttle_window_max', 'max') <= size.limit, detail: `max ${m('throttle_window_max', 'max')} in 1 s (limit ${size.limit})` },
        { name: 'nobody else is affected', ok: lossWithin(loss), detail: `${committed} renames, watchers lost ${lost} of ${delivered + lost}` },
      ]),
      { name: 'the offender converges through sync', ok: synced !== undefined && Math.abs(synced - dbMs) < 1, detail: `synced updatedAt ${synced ?? 'none'} vs database ${dbMs}` },
    ];

    /**
     * Under faithful the limits are the real server's averages on 5 s ticks: a burst passes until a
     * tick, then every channel a broadcast reaches is stopped, and database changes are dropped
     * silently while their counter is tripped. So the checks are the server's own accounts held
     * against what k6 saw and against the configured limit.
     */
    function faithfulChecks(before: ServerMetrics, after: ServerMetrics, { shut, dropped }: { shut: number; dropped: number }): ThrottleCheck[] {
      const events = after.counters.events!;
      const dbEvents = after.counters.db_events!;
      const eventTicks = ticksFollow(events.history, startedAt, size.limit);
      const dbTicks = ticksFollow(dbEvents.history, startedAt, size.limit);
      // Each push counts once, and once more for each channel it reaches (the offender hears its own).
      const seen = m('throttle_polite_sent') + m('throttle_polite_received') + m('throttle_flood_sent') + m('throttle_flood_received') + m('throttle_flood_echoed');
      const counted = events.counted - (before.counters.events?.counted ?? 0);
      // Pushes still in flight when the offender's channel was stopped reach a closed channel and count nothing.
      const inFlight = Math.max(10, Math.ceil(size.limit * 3 * 0.5));
      const told = m('throttle_listener_shut') + m('throttle_offender_told');
      const offenderCommits = countBy(run.points, 'writes_committed', 'user').get(users[0]!.id) ?? 0;
      const unexplained = Math.max(0, lost - dropped);
      return [
        { name: 'the events limit trips and releases on its ticks as configured', ok: eventTicks.ok && eventTicks.trips > 0 && !events.triggered, detail: eventTicks.detail + (events.triggered ? '; still tripped' : '') },
        { name: 'the database events limit trips and releases on its ticks as configured', ok: dbTicks.ok && !dbEvents.triggered, detail: dbTicks.detail + (dbEvents.triggered ? '; still tripped' : '') },
        { name: 'every push and every receipt is counted once', ok: counted <= seen && seen - counted <= inFlight, detail: `server counted ${counted}, k6 saw ${seen} pushes and receipts` },
        { name: 'receivers over the limit are told, and counted', ok: m('throttle_listener_shut') > 0 && shut === told, detail: `server shut ${shut} channel(s); k6 saw ${m('throttle_listener_shut')} listener(s) and ${m('throttle_offender_told')} offender told` },
        {
          name: 'watchers lose only what the database events limit dropped',
          ok: committed > 0 && unexplained <= loss.expected * config.load.maxLossRatio && dropped <= lost + offenderCommits,
          detail: `${committed} renames, watchers lost ${lost} of ${delivered + lost}; the server dropped ${dropped} deliveries`,
        },
      ];
    }
    const passed = checks.every((c) => c.ok);
    // Production averages the events rate over up to a minute of 5 s ticks: without the server's
    // accounts, how much of that average a few seconds of flood make (after whatever the target saw
    // before) is unknown, so whether it must trip is too. Said, not judged.
    const notes = faithful && !accounts
      ? [`the limiter's trip is not judged: without the server's accounts it is unknown whether ${m('throttle_flood_sent')} pushes in the flood reach the minute's average of ${size.limit}/s; the listener was told ${m('throttle_listener_shut')} time(s)`]
      : [];
    return {
      notes,
      size, k6Exit: run.exit, checks, passed, series: perSecond(run.points, 'realtime_latency_ms', probe.startedAt), resources: resources(usage.samples),
      metrics: {
        limit: size.limit, polite_sent: m('throttle_polite_sent'), polite_lost: m('throttle_polite_lost'), flood_sent: m('throttle_flood_sent'),
        flood_received: m('throttle_flood_received'), window_max: m('throttle_window_max', 'max'), watchers_lost: lost,
        ...(accounts ? { limiter_dropped_deliveries: accounts.dropped, limiter_shut_channels: accounts.shut } : {}),
        p99_ms: m('realtime_latency_ms', 'p(99)'), rss_max_mb: usage.rssMaxMb, cpu_s: usage.cpuS,
      },
    };
  } finally {
    await stack.stop();
  }
}
