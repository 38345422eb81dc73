import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROFILE_USAGE, intFlag, parseFlags, profileFlag, shardFlag, UsageError, type Command } from './command.ts';
import { listTests, runPlaywright } from '../conformance/playwright.ts';
import { SCENARIOS } from '../conformance/planted.ts';
import { planShard, shardName, testList, type ShardPlan } from '../conformance/shard.ts';
import { drawSeed } from '../workload/settings.ts';
import { DEFAULT_PROFILE, type Profile } from '../realtime/profile.ts';
import { readRunResults } from '../conformance/results.ts';
import { matrixArgs, plantedVerdicts, printVerdicts, runMatrix } from '../conformance/matrix.ts';
import type { PlantedResult } from '../schema/report.ts';
import { CATALOGUE } from '../conformance/catalogue.ts';
import { SHARED_ENV, bootLogged } from '../stack/shared.ts';
import { targetOf } from '../load/target.ts';
import { buildReport, newRunId, reportsRoot, writeReport } from '../report/write.ts';
import config from '../../syncwright.config.ts';
import { runFanout, SIZES, toLoadResult } from '../load/fanout.ts';
import { ensureK6 } from '../setup/k6.ts';
import type { Report } from '../schema/report.ts';
import type { RunResults } from '../schema/results.ts';

const usage = `usage: syncwright run [--grep RE] [--repeat-each N] [--no-matrix] [--no-load] [--trace on|off|retain-on-failure]
                      [--shard i/n]
                      [--realtime-profile faithful|ideal]
                      [--app-url URL --supabase-url URL --anon-key K --db-url URL --jwt-secret S]

Boots the local stack once (specs that restart its processes boot their own), runs the conformance
scenarios in Debian chromium with the planted-bug matrix beside them (SYNCWRIGHT_WORKERS, default
2), then the k6 fan-out smoke on the same stack, and writes reports/<runId>/ (report.json,
index.html, junit.xml, traces, histories, realtime frames and stack logs of failures);
reports/latest points at it. Exit code: 0 only when every scenario passed and every planted bug
was caught.

  --grep RE          only scenarios whose title matches
  --repeat-each N    run each scenario N times (flakiness check); the matrix then runs once, after
  --no-matrix       skip the planted-bug matrix (also skipped with --grep and external targets)
  --no-load          skip the k6 fan-out smoke that fills the report's load section
  --shard i/n        run the i-th of n slices of the run: its scenario tests (each random-workload
                     seed is one), planted bugs and load smoke are dealt by a stable key, so the n
                     shards of one commit and flags run each exactly once; the report says which
                     shard it is, and 'syncwright report --merge' joins the n reports. Shards draw
                     their own random seeds unless SYNCWRIGHT_SEED gives them one
${PROFILE_USAGE.replaceAll('\n                  ', '\n                     ')}
  --app-url …        test an external app / a real Supabase instead of booting the local stack
                     (needs --supabase-url, --anon-key, --db-url and --jwt-secret)`;

export const command: Command = {
  name: 'run',
  summary: 'run the conformance suite',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      grep: { type: 'string' }, 'repeat-each': { type: 'string' }, 'no-matrix': { type: 'boolean' }, 'no-load': { type: 'boolean' }, trace: { type: 'string' },
      'app-url': { type: 'string' }, 'supabase-url': { type: 'string' }, 'anon-key': { type: 'string' }, 'db-url': { type: 'string' },
      'jwt-secret': { type: 'string' }, 'service-role-key': { type: 'string' }, 'realtime-profile': { type: 'string' },
      shard: { type: 'string' },
    });
    const shard = shardFlag('shard', values.shard);
    const repeat = intFlag('repeat-each', values['repeat-each'], 1, 100);
    if (values.trace && !['on', 'off', 'retain-on-failure'].includes(values.trace)) throw new UsageError(`--trace must be on, off or retain-on-failure, got '${values.trace}'`);
    const external = values['app-url'];
    const realtimeProfile = profileFlag(values['realtime-profile']);
    if (external && realtimeProfile) throw new UsageError('--realtime-profile is for the local stack; an external target fails as it does');
    const env: Record<string, string> = {};
    if (external) {
      for (const f of ['supabase-url', 'anon-key', 'db-url', 'jwt-secret'] as const) if (!values[f]) throw new UsageError(`--${f} is required with --app-url`);
      Object.assign(env, {
        SYNCWRIGHT_APP_URL: external, SYNCWRIGHT_SUPABASE_URL: values['supabase-url']!, SYNCWRIGHT_ANON_KEY: values['anon-key']!,
        SYNCWRIGHT_DB_URL: values['db-url']!, SYNCWRIGHT_JWT_SECRET: values['jwt-secret']!, SYNCWRIGHT_SERVICE_ROLE_KEY: values['service-role-key'] ?? '',
      });
    }
    const startedAt = new Date();
    const progress = (l: string) => process.stderr.write(`syncwright run [${Math.round((Date.now() - startedAt.getTime()) / 1000)} s]: ${l}\n`);
    const runId = newRunId(startedAt);
    const stage = path.join(reportsRoot(), runId, 'playwright');
    const withMatrix = !values['no-matrix'] && !values.grep && !external;
    const withLoad = !values['no-load'] && !values.grep && !external;
    const filters = [
      ...(values.grep ? ['--grep', values.grep] : []),
      // Process faults (restarts, kills) need processes we own.
      ...(external ? ['--grep-invert', '@local'] : []),
    ];
    // A shard lists the whole run's scenario tests (Playwright --list: nothing boots) and takes its
    // slice. Listing and running see one first seed, so the random runs' titles are the same in both.
    let plan: ShardPlan | undefined;
    let testListFile: string | undefined;
    if (shard) {
      env.SYNCWRIGHT_SEED = process.env.SYNCWRIGHT_SEED ?? String(drawSeed());
      const listed = await listTests(['--project', SCENARIOS, ...filters], env);
      plan = planShard({ scenarios: listed, planted: withMatrix ? CATALOGUE : [], load: withLoad }, shard);
      progress(`shard ${shardName(shard)} of plan ${plan.plan}: ${plan.scenarios.length} of ${listed.length} scenario tests, ${plan.planted.length} of ${withMatrix ? CATALOGUE.length : 0} planted bugs${withLoad ? `, ${plan.load ? 'the' : 'not the'} load smoke` : ''}`);
      testListFile = path.join(stage, 'shard-tests.txt');
      await mkdir(stage, { recursive: true });
      await writeFile(testListFile, testList(plan));
    }
    const bugs = plan ? plan.planted : withMatrix ? CATALOGUE : [];
    const scenarioTests = plan ? plan.scenarios.length : undefined;
    // The stack's profile once booted; before (a shard with nothing to run), the one it would boot with.
    const report = (parts: Pick<Report, 'scenarios' | 'planted' | 'load'>, booted?: Profile) => buildReport({
      kind: 'conformance', runId, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), budget: config.latencyBudget,
      target: external ? { kind: 'external', appUrl: external, supabaseUrl: values['supabase-url'] } : { kind: 'local', realtimeProfile: booted ?? realtimeProfile ?? DEFAULT_PROFILE },
      ...parts, ...(plan ? { shard: { ...plan.shard, plan: plan.plan } } : {}),
    });
    if (plan && !plan.scenarios.length && !plan.planted.length && !plan.load) {
      // More shards than items: this one has nothing to run, and its report says so to the merge.
      const dir = await writeReport(report({ scenarios: [], planted: [], load: [] }));
      console.log(`PASS: shard ${shardName(plan.shard)} holds nothing of this run`);
      console.log(`report: ${path.join(dir, 'index.html')}`);
      return 0;
    }
    // One stack for the scenarios, the matrix and the load smoke (specs that restart processes boot their own).
    let shared: Awaited<ReturnType<typeof bootLogged>> | undefined;
    if (!external) {
      progress('booting the local stack (Postgres, Realtime, app, worker)');
      shared = await bootLogged({}, { realtimeProfile });
      env[SHARED_ENV] = JSON.stringify(shared.shared);
    }
    try {
      // The matrix's projects run next to the scenarios in one Playwright run; repeats are for the scenarios only.
      const matrix = bugs.length ? matrixArgs(bugs) : undefined;
      const together = matrix && !repeat;
      const args = [
        ...filters,
        ...(repeat ? ['--repeat-each', String(repeat)] : []),
        ...(testListFile ? ['--test-list', testListFile] : []),
      ];
      let results: RunResults | undefined;
      // A shard with neither scenario tests nor planted bugs in this run starts no Playwright.
      if (scenarioTests !== 0 || together) {
        progress(`run ${runId}: scenarios${values.grep ? ` matching /${values.grep}/` : ''}${repeat ? ` × ${repeat}` : ''}${together ? ` and the planted-bug matrix (${bugs.length} planted bugs, each against the test that claims it)` : ''}`);
        await runPlaywright(args, { ...env, ...(together ? matrix.env : {}), SYNCWRIGHT_REPORT_DIR: stage, ...(values.trace ? { SYNCWRIGHT_TRACE: values.trace } : {}) });
        // Our reporter (harness/conformance/reporter.ts) built the scenarios and the planted-bug verdicts.
        results = await readRunResults(stage).catch((err) => {
          progress(`no Playwright results: ${(err as Error).message}`);
          return undefined;
        });
      }
      const scenarios = results?.scenarios.map((s) => s.result) ?? [];
      const artifacts = results?.artifacts ?? {};
      let planted: PlantedResult[] = [];
      if (together) {
        // Without results, every planted bug's test did not run.
        planted = results?.planted ?? plantedVerdicts([], bugs);
        printVerdicts(planted, progress);
      } else if (matrix) {
        progress('planted-bug matrix: each planted bug against the test that claims to catch it');
        planted = await runMatrix(progress, bugs.map((m) => m.name), env);
      }
      const load: Report['load'] = [];
      if (withLoad && shared && (!plan || plan.load)) {
        progress('load smoke: k6 fan-out over the Realtime protocol');
        try {
          await ensureK6(progress);
          const r = await runFanout(SIZES.smoke, progress, { baseline: false, target: targetOf(shared.stack, progress) });
          load.push(toLoadResult(r, 'smoke'));
        } catch (err) {
          progress(`load smoke could not run: ${(err as Error).message}`);
          load.push({ name: 'fanout', size: 'smoke', passed: false, series: [], resources: [], metrics: {} });
        }
      }
      const written = report({ scenarios, planted, load }, shared?.stack.info.realtimeProfile);
      const dir = await writeReport(written, { artifacts });
      const s = written.summary;
      console.log(`${s.ok ? 'PASS' : 'FAIL'}: ${s.passed} passed, ${s.failed} failed, ${s.flaky} flaky; planted bugs ${s.plantedCaught} caught, ${s.plantedMissed} missed${s.latency ? `; steady-state commit→DOM p95 ${s.latency.p95} ms, max ${s.latency.max} ms` : ''}`);
      console.log(`report: ${path.join(dir, 'index.html')}`);
      // No scenario results where some were due: Playwright did not run them.
      if (scenarios.length === 0 && scenarioTests !== 0) return 1;
      return s.ok ? 0 : 1;
    } finally {
      await shared?.stack.stop();
    }
  },
};
