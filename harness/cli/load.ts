import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { intFlag, parseFlags, UsageError, type Command } from './command.ts';
import { runFanout, SIZES, toLoadResult, type FanoutResult } from '../load/fanout.ts';
import { runThrottle, THROTTLE_SIZES, toThrottleLoadResult, type ThrottleResult } from '../load/throttle.ts';
import { ensureK6 } from '../setup/k6.ts';
import { buildReport, newRunId, reportsRoot, writeReport } from '../report/write.ts';
import config from '../../syncwright.config.ts';

const usage = `usage: syncwright load <fanout|throttle> [--full] [flags]

Runs a k6 load script (the real k6, built by 'syncwright setup') against the stack 'syncwright up' is
running from the current directory (its .syncwright/stack.json; its limits are supabase/config.toml's),
or, when none runs or with --own-stack, a stack it boots (Postgres, Realtime with the script's limits,
the reference app; no worker). Writes reports/<runId>/ with the load section filled.
Exit code 0 only when the script's k6 thresholds and the harness's checks pass; their numbers are
the load section of syncwright.config.ts.

  fanout     S subscribers speaking the Realtime protocol, spread over U users (RLS decides delivery),
             while k6 writers rename files through the app's API at W/s. Gate: at most
             ${config.load.maxLossRatio * 100} % of the deliveries lost (counted per user), p99 commit→receive
             < ${config.load.p99Ms} ms, join p95 < ${config.load.joinP95Ms} ms, every join ok. Then the same shape
             against a raw 'ws' server (the baseline): the report shows deliveries per CPU-second as a ratio of it.
             smoke: ${SIZES.smoke.subscribers} subscribers, ${SIZES.smoke.users} users, ${SIZES.smoke.writesPerSecond}/s, ${SIZES.smoke.durationS} s
             --full: ${SIZES.full.subscribers} subscribers, ${SIZES.full.users} users, ${SIZES.full.writesPerSecond}/s, ${SIZES.full.durationS} s
  throttle   the tenant limit max_events_per_second = L; a sender below it loses nothing, an offender at
             3·L gets "Too many messages per second"; the offender converges through /api/sync and
             rejoins once the window has passed. Against a faithful server (the default) the limits
             are production's 5 s averages: the listener is told too, every tick trips exactly at
             avg >= L and releases below it, the server counted each push and receipt once, and
             watchers lose only the deliveries its database events limit dropped (read from
             GET /syncwright/v1/metrics). Against an ideal one no listener sees more than L in any
             1 s window and watchers of the renames (faster than the client's 10 events/s) lose nothing.
             own stack: smoke L = ${THROTTLE_SIZES.smoke.limit}, --full L = ${THROTTLE_SIZES.full.limit} with more watchers;
             a running stack: L from its config

  --own-stack       boot a stack for this run even when one is running (what npm test does)
  --profile         write a CPU profile of the Realtime server (node --cpu-prof) under reports/profiles/

Flags (fanout):
  --subscribers N   override S        --users N      override U
  --rate N          override W (/s)   --duration S   override the writing time
  --no-baseline     skip the raw ws run`;

export const command: Command = {
  name: 'load',
  summary: 'k6 load tests (fanout, throttle)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      full: { type: 'boolean' }, subscribers: { type: 'string' }, users: { type: 'string' }, rate: { type: 'string' },
      duration: { type: 'string' }, 'no-baseline': { type: 'boolean' }, profile: { type: 'boolean' }, 'own-stack': { type: 'boolean' },
    }, true);
    const name = positionals[0];
    if (name !== 'fanout' && name !== 'throttle') throw new UsageError(`unknown load script '${name ?? ''}' (available: fanout, throttle)`);
    const custom = Boolean(values.subscribers || values.users || values.rate || values.duration);
    const sizeName = custom ? 'custom' : values.full ? 'full' : 'smoke';
    const base = SIZES[values.full ? 'full' : 'smoke'];
    const size = {
      subscribers: intFlag('subscribers', values.subscribers, 1, 20_000) ?? base.subscribers,
      users: intFlag('users', values.users, 1, 10_000) ?? base.users,
      writesPerSecond: intFlag('rate', values.rate, 1, 10_000) ?? base.writesPerSecond,
      durationS: intFlag('duration', values.duration, 5, 3600) ?? base.durationS,
    };
    if (name === 'throttle' && (custom || values['no-baseline'])) {
      throw new UsageError('--subscribers, --users, --rate, --duration and --no-baseline apply to fanout only');
    }
    const progress = (l: string) => process.stderr.write(`syncwright load: ${l}\n`);
    await ensureK6(progress);
    const profileDir = values.profile ? path.join(reportsRoot(), 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
    if (profileDir) process.env.SYNCWRIGHT_RT_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
    const startedAt = new Date();
    let passed: boolean;
    let result: FanoutResult | ThrottleResult;
    let loadResult;
    if (name === 'fanout') {
      const r = await runFanout(size, progress, { baseline: !values['no-baseline'], ownStack: values['own-stack'] });
      printFanout(r, sizeName);
      passed = r.passed;
      result = r;
      loadResult = toLoadResult(r, sizeName);
    } else {
      const r = await runThrottle(THROTTLE_SIZES[values.full ? 'full' : 'smoke'], progress, { ownStack: values['own-stack'] });
      for (const c of r.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      passed = r.passed;
      result = r;
      loadResult = toThrottleLoadResult(r, sizeName);
    }
    const report = buildReport({
      kind: 'load', runId: newRunId(startedAt), startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), target: { kind: 'local' },
      budget: config.latencyBudget, scenarios: [], planted: [], load: [loadResult],
    });
    const dir = await writeReport(report);
    await writeFile(path.join(dir, `k6-${name}.json`), JSON.stringify(result, null, 2));
    console.log(`${name} (${sizeName}): ${passed ? 'passed' : 'FAILED'}; report: ${path.join(dir, 'index.html')}`);
    if (profileDir) console.log(`Realtime server CPU profile: ${profileDir} (open the .cpuprofile in Chrome DevTools → Performance)`);
    return passed ? 0 : 1;
  },
};

function printFanout(r: FanoutResult, sizeName: string): void {
  const line = (label: string, s: FanoutResult['baseline'] & object) => console.log(`  ${label}: committed ${s.committed}, expected ${s.expected} deliveries, delivered ${s.delivered}, lost ${s.lost}` +
    ` (${s.lostUsers} users); commit→receive p50 ${s.latency.p50.toFixed(1)} / p95 ${s.latency.p95.toFixed(1)} / p99 ${s.latency.p99.toFixed(1)} ms;` +
    ` server RSS max ${s.rssMaxMb} MB, CPU ${s.cpuSeconds} s, ${s.deliveriesPerCpuS} deliveries/CPU-s; k6 itself ${s.k6CpuS} CPU-s; k6 exit ${s.k6Exit}`);
  console.log(`fanout (${sizeName}: ${r.size.subscribers} subscribers, ${r.size.users} users, ${r.size.writesPerSecond}/s, ${r.size.durationS} s)`);
  line('realtime', r);
  if (r.baseline) {
    line('raw ws  ', r.baseline);
    console.log(`  ratio: our server fans out ${((r.baselineRatio ?? 0) * 100).toFixed(0)} % of the raw ws deliveries per CPU-second (target ≥ ${config.load.minBaselineRatio * 100} %)`);
  }
}
