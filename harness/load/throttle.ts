import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadTarget, type LoadTarget } from './target.ts';
import { countBy, perSecond, resources, runK6, sampler, type SeriesPoint } from './k6.ts';
import { lossWithin, perUserLoss } from './users.ts';
import { writerVus } from '../../k6/lib/window.ts';

export interface ThrottleSize { limit: number; users: number; watchers: number; writesPerSecond: number }
export const THROTTLE_SIZES: Record<'smoke' | 'full', ThrottleSize> = {
  smoke: { limit: 20, users: 4, watchers: 20, writesPerSecond: 20 },
  full: { limit: 100, users: 20, watchers: 200, writesPerSecond: 50 },
};

export interface ThrottleCheck { name: string; ok: boolean; detail: string }
export interface ThrottleResult {
  size: ThrottleSize; k6Exit: number; checks: ThrottleCheck[]; passed: boolean; series: SeriesPoint[]; resources: ReturnType<typeof resources>;
  metrics: Record<string, number>;
}

/** The report's view of a throttle run. */
export function toThrottleLoadResult(r: ThrottleResult, size: string) {
  return { name: 'throttle', size, passed: r.passed, series: r.series, resources: r.resources, metrics: r.metrics };
}

// Phase starts in seconds from k6's start; see k6/throttle.ts.
const PHASES = { politeAt: 3, floodAt: 11, writeEnd: 17 };

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
    await writeFile(cfgPath, JSON.stringify({
      supabaseUrl: stack.info.supabaseUrl, anonKey: stack.info.anonKey, appUrl: stack.info.appUrl, users,
      watchers: size.watchers, limit: size.limit, writesPerSecond: size.writesPerSecond, summaryPath, ...PHASES,
    }));
    progress('k6: polite sender, offender, watchers and writers');
    const probe = sampler(stack.realtimePid);
    const run = await runK6('throttle', cfgPath, summaryPath, path.join(tmp, 'points.jsonl'), { segments: opts.segments });
    const usage = probe.stop();
    const m = (name: string, stat = 'count') => run.summary.metrics[name]?.values[stat] ?? 0;

    const loss = perUserLoss(users, size.watchers, countBy(run.points, 'writes_committed', 'user'), countBy(run.points, 'realtime_delivered', 'user'));
    const { committed, delivered, lost } = loss;
    const synced = countBy(run.points, 'throttle_synced_updated_at', 'user').get(users[0]!.id);
    const dbMs = await stack.updatedAtMs(users[0]!, users[0]!.files[0]!);

    const checks: ThrottleCheck[] = [
      { name: 'k6 thresholds', ok: run.exit === 0, detail: `k6 exit ${run.exit}` },
      { name: 'below the limit nothing is dropped', ok: m('throttle_polite_sent') > 0 && m('throttle_polite_lost') === 0, detail: `polite sender ${m('throttle_polite_sent')} sent, ${m('throttle_polite_lost')} lost` },
      { name: 'the limiter engages', ok: m('throttle_flood_received') < m('throttle_flood_sent'), detail: `offender ${m('throttle_flood_sent')} sent, listener got ${m('throttle_flood_received')}` },
      { name: 'never above the limit in any 1 s window', ok: m('throttle_over_limit') === 0 && m('throttle_window_max', 'max') <= size.limit, detail: `max ${m('throttle_window_max', 'max')} in 1 s (limit ${size.limit})` },
      { name: 'nobody else is affected', ok: lossWithin(loss), detail: `${committed} renames, watchers lost ${lost} of ${delivered + lost}` },
      { name: 'the offender converges through sync', ok: synced !== undefined && Math.abs(synced - dbMs) < 1, detail: `synced updatedAt ${synced ?? 'none'} vs database ${dbMs}` },
    ];
    const passed = checks.every((c) => c.ok);
    return {
      size, k6Exit: run.exit, checks, passed, series: perSecond(run.points, 'realtime_latency_ms', probe.startedAt), resources: resources(usage.samples),
      metrics: {
        limit: size.limit, polite_sent: m('throttle_polite_sent'), polite_lost: m('throttle_polite_lost'), flood_sent: m('throttle_flood_sent'),
        flood_received: m('throttle_flood_received'), window_max: m('throttle_window_max', 'max'), watchers_lost: lost,
        p99_ms: m('realtime_latency_ms', 'p(99)'), rss_max_mb: usage.rssMaxMb, cpu_s: usage.cpuS,
      },
    };
  } finally {
    await stack.stop();
  }
}
