import path from 'node:path';
import { PROFILE_USAGE, intFlag, parseFlags, profileFlag, UsageError, type Command } from './command.ts';
import { runPlaywright } from '../conformance/playwright.ts';
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

const usage = `usage: syncwright run [--grep RE] [--repeat-each N] [--no-matrix] [--no-load] [--trace on|off|retain-on-failure]
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
    });
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
    // One stack for the scenarios, the matrix and the load smoke (specs that restart processes boot their own).
    let shared: Awaited<ReturnType<typeof bootLogged>> | undefined;
    if (!external) {
      progress('booting the local stack (Postgres, Realtime, app, worker)');
      shared = await bootLogged({}, { realtimeProfile });
      env[SHARED_ENV] = JSON.stringify(shared.shared);
    }
    try {
      // The matrix's projects run next to the scenarios in one Playwright run; repeats are for the scenarios only.
      const matrix = withMatrix ? matrixArgs() : undefined;
      const together = matrix && !repeat;
      const args = [
        ...(values.grep ? ['--grep', values.grep] : []),
        ...(repeat ? ['--repeat-each', String(repeat)] : []),
        // Process faults (restarts, kills) need processes we own.
        ...(external ? ['--grep-invert', '@local'] : []),
      ];
      progress(`run ${runId}: scenarios${values.grep ? ` matching /${values.grep}/` : ''}${repeat ? ` × ${repeat}` : ''}${together ? ` and the planted-bug matrix (${CATALOGUE.length} planted bugs, each against the test that claims it)` : ''}`);
      await runPlaywright(args, { ...env, ...(together ? matrix.env : {}), SYNCWRIGHT_REPORT_DIR: stage, ...(values.trace ? { SYNCWRIGHT_TRACE: values.trace } : {}) });
      // Our reporter (harness/conformance/reporter.ts) built the scenarios and the planted-bug verdicts.
      const results = await readRunResults(stage).catch((err) => {
        progress(`no Playwright results: ${(err as Error).message}`);
        return undefined;
      });
      const scenarios = results?.scenarios.map((s) => s.result) ?? [];
      const artifacts = results?.artifacts ?? {};
      let planted: PlantedResult[] = [];
      if (together) {
        // Without results, every planted bug's test did not run.
        planted = results?.planted ?? plantedVerdicts([]);
        printVerdicts(planted, progress);
      } else if (matrix) {
        progress('planted-bug matrix: each planted bug against the test that claims to catch it');
        planted = await runMatrix(progress, undefined, env);
      }
      const load: Report['load'] = [];
      if (withLoad && shared) {
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
      const report = buildReport({
        kind: 'conformance', runId, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
        target: external ? { kind: 'external', appUrl: external, supabaseUrl: values['supabase-url'] } : { kind: 'local', realtimeProfile: shared?.stack.info.realtimeProfile },
        budget: config.latencyBudget, scenarios, planted, load,
      });
      const dir = await writeReport(report, { artifacts });
      const s = report.summary;
      console.log(`${s.ok ? 'PASS' : 'FAIL'}: ${s.passed} passed, ${s.failed} failed, ${s.flaky} flaky; planted bugs ${s.plantedCaught} caught, ${s.plantedMissed} missed${s.latency ? `; steady-state commit→DOM p95 ${s.latency.p95} ms, max ${s.latency.max} ms` : ''}`);
      console.log(`report: ${path.join(dir, 'index.html')}`);
      if (scenarios.length === 0) return 1;
      return s.ok ? 0 : 1;
    } finally {
      await shared?.stack.stop();
    }
  },
};
