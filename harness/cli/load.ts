import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { intFlag, parseFlags, UsageError, type Command } from './command.ts';
import { runFanout, SIZES, toLoadResult, type FanoutResult, type FanoutSide } from '../load/fanout.ts';
import { emitFanout } from '../load/emit.ts';
import { externalTarget, unsampledNote } from '../load/target.ts';
import { MAX_SEGMENTS } from '../load/segments.ts';
import { EXTERNAL_FLAGS, EXTERNAL_USAGE, externalFlags } from './load-target.ts';
import { runThrottle, THROTTLE_SIZES, toThrottleLoadResult, type ThrottleResult } from '../load/throttle.ts';
import { ensureK6 } from '../setup/k6.ts';
import { buildReport, newRunId, reportsRoot, writeReport } from '../report/write.ts';
import config from '../../syncwright.config.ts';

const usage = `usage: syncwright load <fanout|throttle> [--full] [--segments N] [flags]

Runs a k6 load script (the real k6, built by 'syncwright setup') against the stack 'syncwright up' is
running from the current directory (its .syncwright/stack.json; its limits are supabase/config.toml's),
or, when none runs or with --own-stack, a stack it boots (Postgres, Realtime with the script's limits,
the reference app; no worker), or an external target named by its URLs (below). Writes
reports/<runId>/ with the load section filled.
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
             a running stack or an external target: L from supabase/config.toml

  --segments N      spread the test over N k6 processes (1 to ${MAX_SEGMENTS}, default 1), each running its
                    execution segment (--execution-segment i-1/N:i/N, as k6-operator gives its N pods);
                    deliveries, losses and counters add, latency percentiles come from their merged
                    HDR histograms, and any process failing its thresholds fails the run
  --own-stack       boot a stack for this run even when one is running (what npm test does)
  --profile         write a CPU profile of the Realtime server (node --cpu-prof) under reports/profiles/

Flags (fanout):
  --subscribers N   override S        --users N      override U
  --rate N          override W (/s)   --duration S   override the writing time
  --no-baseline     skip the raw ws run
  --emit k6-operator  run nothing: write a k6-operator TestRun (spec.parallelism = --segments) and the
                    ConfigMap holding the k6 archive (script, config, environment) as JSON into
                    --emit-dir DIR (default ./syncwright-k6-operator), for 'kubectl apply -f DIR'.
                    Needs an external target (the pods cannot reach this machine's stack); the
                    writers' files are made now and kept, and the users' tokens must outlive the run

${EXTERNAL_USAGE}`;

export const command: Command = {
  name: 'load',
  summary: 'k6 load tests (fanout, throttle)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      full: { type: 'boolean' }, subscribers: { type: 'string' }, users: { type: 'string' }, rate: { type: 'string' },
      duration: { type: 'string' }, 'no-baseline': { type: 'boolean' }, profile: { type: 'boolean' }, 'own-stack': { type: 'boolean' },
      segments: { type: 'string' }, emit: { type: 'string' }, 'emit-dir': { type: 'string' }, ...EXTERNAL_FLAGS,
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
    const segments = intFlag('segments', values.segments, 1, MAX_SEGMENTS) ?? 1;
    if (values.emit !== undefined && values.emit !== 'k6-operator') throw new UsageError(`--emit must be k6-operator, got '${values.emit}'`);
    if (values['emit-dir'] !== undefined && !values.emit) throw new UsageError('--emit-dir needs --emit k6-operator');
    if (values.emit && name !== 'fanout') throw new UsageError('--emit applies to fanout only: throttle\'s checks run in the harness, after k6, on what every process saw');
    const external = await externalFlags(values);
    if (external && values['own-stack']) throw new UsageError('--own-stack boots a local stack; an external target (--supabase-url) is used as it is');
    if (external && values.profile) throw new UsageError('--profile profiles our Realtime server; an external target\'s is not on this machine');
    if (values.emit && !external) throw new UsageError('--emit k6-operator needs an external target (--supabase-url, --anon-key, --app-url and --jwt-secret or --token-file): the pods cannot reach this machine\'s stack');
    if (external && values.users !== undefined && size.users > external.users.length) {
      const whence = values['jwt-secret'] ? "--jwt-secret loads as the seed's alice and bob; more users need --token-file" : 'one per token of --token-file';
      throw new UsageError(`--users ${size.users}: the external target has ${external.users.length} users to load as (${whence})`);
    }
    const progress = (l: string) => process.stderr.write(`syncwright load: ${l}\n`);
    await ensureK6(progress);
    if (values.emit) {
      const dir = path.resolve(values['emit-dir'] ?? 'syncwright-k6-operator');
      const out = await emitFanout(size, externalTarget(external!.info, external!.users, progress, { keepFiles: true }), dir, segments, progress);
      for (const f of out.files) console.log(f);
      console.log(`k6-operator TestRun (parallelism ${segments}) and its ConfigMap written; run them with: kubectl apply -f ${dir}`);
      if (out.tokensExpireAt) console.log(`the users' access tokens in the archive expire at ${out.tokensExpireAt}: the run must finish before then`);
      return 0;
    }
    const target = external ? externalTarget(external.info, external.users, progress) : undefined;
    const profileDir = values.profile ? path.join(reportsRoot(), 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
    if (profileDir) process.env.SYNCWRIGHT_RT_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
    const startedAt = new Date();
    let passed: boolean;
    let result: FanoutResult | ThrottleResult;
    let loadResult;
    if (name === 'fanout') {
      const r = await runFanout(size, progress, { baseline: !values['no-baseline'], ownStack: values['own-stack'], target, segments });
      printFanout(r, sizeName);
      passed = r.passed;
      result = r;
      loadResult = toLoadResult(r, sizeName);
    } else {
      const r = await runThrottle(THROTTLE_SIZES[values.full ? 'full' : 'smoke'], progress, { ownStack: values['own-stack'], target, segments });
      for (const c of r.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      passed = r.passed;
      result = r;
      for (const n of r.notes) console.log(`  note: ${n}`);
      const unsampled = target && unsampledNote(target);
      loadResult = { ...toThrottleLoadResult(r, sizeName), notes: [...(unsampled ? [unsampled] : []), ...r.notes] };
    }
    const report = buildReport({
      kind: 'load', runId: newRunId(startedAt), startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
      target: external ? { kind: 'external', supabaseUrl: external.info.supabaseUrl, appUrl: external.info.appUrl } : { kind: 'local' },
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
  const k6 = (s: FanoutSide) => (s.segments.length > 1 ? `k6 in ${s.segments.length} processes ${s.segments.map((x) => x.k6CpuS).join(' + ')} CPU-s, exits ${s.segments.map((x) => x.exit).join(', ')}` : `k6 itself ${s.k6CpuS} CPU-s; k6 exit ${s.k6Exit}`);
  const line = (label: string, s: FanoutSide) => console.log(`  ${label}: committed ${s.committed}, expected ${s.expected} deliveries, delivered ${s.delivered} (${s.deliveriesPerS}/s), lost ${s.lost}` +
    ` (${s.lostUsers} users); commit→receive p50 ${s.latency.p50.toFixed(1)} / p95 ${s.latency.p95.toFixed(1)} / p99 ${s.latency.p99.toFixed(1)} ms;` +
    `${s.serverSampled ? ` server RSS max ${s.rssMaxMb} MB, CPU ${s.cpuSeconds} s, ${s.deliveriesPerCpuS} deliveries/CPU-s;` : ''} ${k6(s)}`);
  console.log(`fanout (${sizeName}: ${r.size.subscribers} subscribers, ${r.size.users} users, ${r.size.writesPerSecond}/s, ${r.size.durationS} s)`);
  line('realtime', r);
  if (r.baseline) {
    line('raw ws  ', r.baseline);
    console.log(`  ratio: our server fans out ${((r.baselineRatio ?? 0) * 100).toFixed(0)} % of the raw ws deliveries per CPU-second (target ≥ ${config.load.minBaselineRatio * 100} %)`);
  }
  for (const n of r.notes) console.log(`  note: ${n}`);
}
