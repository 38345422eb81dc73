import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { intFlag, oneOfFlag, parseFlags, UsageError, type Command } from './command.ts';
import { runPlaywright } from '../conformance/playwright.ts';
import { readRunResults } from '../conformance/results.ts';
import { SHARED_ENV, bootLogged } from '../stack/shared.ts';
import { buildReport, newRunId, reportsRoot, writeReport } from '../report/write.ts';
import { failedCheckerNames } from '../history/checker.ts';
import { renderRegressionSpec, workloadDigest, DEFAULT_CLIENTS, type Op, type WorkloadShape } from '../workload/ops.ts';
import { CATALOGUE } from '../conformance/catalogue.ts';
import { SCENARIOS } from '../conformance/planted.ts';
import { DEFAULT_OPS as MATRIX_OPS, INTERRUPTED, NOT_COMPLETED, reproCommand, workloadSettings } from '../workload/settings.ts';
import config from '../../syncwright.config.ts';
import type { ScenarioResult } from '../schema/report.ts';

/** Operations per run unless --ops says otherwise: more than a run's time limit lets start. */
const EXPLORE_OPS = 1_000;
/** Each run's time limit unless --run-seconds says otherwise. */
const RUN_SECONDS = 60;
/** A last run shorter than this is not started: it would be mostly booting and ending. */
const MIN_RUN_SECONDS = 15;
/** What a run is guessed to cost beside its time limit before the first batch measured it (s). */
const FIRST_OVERHEAD_S = 25;

const usage = `usage: syncwright explore [--minutes N] [--clients N] [--seed S] [--ops N] [--run-seconds N]
                          [--workers N] [--process-faults] [--planted NAME] [--no-shrink]

Runs the random workload (scenarios/random.spec.ts) seed after seed until the time budget is spent:
browser profiles over two users (one switching accounts), server-side writers and a slow writer,
per-client faults (cuts, stalls, latency, frozen tabs, clock skew, short-lived tokens, subscribe
delay). Every run is judged by the generic checkers alone. Prints the checked client operations per
minute; writes reports/<runId>/ with each failing history's timeline; shrinks each failure and
writes it as a standalone spec under scenarios/regressions/, with its repro line.

  --minutes N        time budget (default 2)
  --clients N        browser profiles, 4 to 8 (default 4)
  --seed S           first seed (default: random); seeds S, S+1, … are run
  --ops N            operations per run, at most (default ${EXPLORE_OPS}; syncwright run uses ${MATRIX_OPS})
  --run-seconds N    Jepsen's time limit: no operation of a run starts after N s, then the run ends
                     and is judged (default ${RUN_SECONDS}: a long run spends less of the budget booting
                     browsers and ending, and none outlives the budget unjudged)
  --workers N        runs at once (default 2; 1 with --process-faults)
  --process-faults   also restart Realtime and Postgres, fail Realtime as production does (feed restart,
                     outage, events limit, publication change) and add the field failures (sleep,
                     slow token, tab switch, StrictMode); each worker boots a stack of its own
  --planted NAME     run every browser with a planted bug (harness/conformance/catalogue.ts), to watch it be found
  --no-shrink        report failures as found, without shrinking them`;

/**
 * Runs each worker takes per Playwright invocation, at most: workers pull the next seed as they
 * finish, so one run shorter than another idles nobody until the batch's last ones. The first batch
 * takes one a worker, to time what a run costs beside its time limit; later ones as many as the
 * budget still holds, and the last may be a shorter run.
 */
const RUNS_PER_WORKER = 3;

/** A failed run's counterexample, attached by scenarios/random.spec.ts. */
interface Counterexample { seed: number; steps?: number; shape: WorkloadShape; ops: Op[]; failure: string }

export const command: Command = {
  name: 'explore',
  summary: 'run the random workload until a time budget is spent, shrink failures into regression specs',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      minutes: { type: 'string' }, clients: { type: 'string' }, seed: { type: 'string' }, ops: { type: 'string' }, 'run-seconds': { type: 'string' }, workers: { type: 'string' },
      'process-faults': { type: 'boolean' }, planted: { type: 'string' }, 'no-shrink': { type: 'boolean' },
    });
    const minutes = Number(values.minutes ?? 2);
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) throw new UsageError(`--minutes must be a number of minutes from 0 to 1440, got '${values.minutes}'`);
    const clients = intFlag('clients', values.clients, 4, 8) ?? DEFAULT_CLIENTS;
    const ops = intFlag('ops', values.ops, 1, 10_000) ?? EXPLORE_OPS;
    const runSeconds = intFlag('run-seconds', values['run-seconds'], MIN_RUN_SECONDS, 24 * 3600) ?? RUN_SECONDS;
    const processFaults = Boolean(values['process-faults']);
    const workers = intFlag('workers', values.workers, 1, 4) ?? (processFaults ? 1 : 2);
    let seed = intFlag('seed', values.seed, 0, 2 ** 31 - 1_000_000) ?? Math.floor(Math.random() * 2 ** 30);
    const planted = values.planted === undefined ? undefined : oneOfFlag('--planted', CATALOGUE.filter((m) => !m.inWorker).map((m) => m.name), values.planted);
    const startedAt = new Date();
    const deadline = startedAt.getTime() + minutes * 60_000;
    const elapsed = () => (Date.now() - startedAt.getTime()) / 60_000;
    const progress = (l: string) => process.stderr.write(`syncwright explore [${Math.round(elapsed() * 60)} s]: ${l}\n`);
    const runId = newRunId(startedAt);
    const env: Record<string, string> = {
      SYNCWRIGHT_CLIENTS: String(clients), SYNCWRIGHT_RANDOM_OPS: String(ops),
      SYNCWRIGHT_SHRINK: values['no-shrink'] ? '0' : '1', SYNCWRIGHT_WORKERS: String(workers), SYNCWRIGHT_TRACE: 'off',
      ...(processFaults ? { SYNCWRIGHT_PROCESS_FAULTS: '1' } : {}), ...(planted ? { SYNCWRIGHT_BROWSER_PLANTED: planted } : {}),
    };
    const shrunk = values['no-shrink'] ? ' (not shrunk)' : ' after shrinking';
    let shared: Awaited<ReturnType<typeof bootLogged>> | undefined;
    if (!processFaults) {
      progress('booting the local stack (Postgres, Realtime, app, worker)');
      shared = await bootLogged();
      env[SHARED_ENV] = JSON.stringify(shared.shared);
    }
    const scenarios: ScenarioResult[] = [];
    const artifacts: Record<string, string> = {};
    const regressions: string[] = [];
    let checkedOps = 0;
    let unfinished = 0;
    // What a run costs beside its time limit (browsers, its ending, Playwright), from the last batch:
    // a batch holds as many runs a worker as still fit. Until measured, a guess.
    let overheadMs = FIRST_OVERHEAD_S * 1000;
    let measured = false;
    try {
      for (let batch = 0; ; batch++) {
        const leftMs = deadline - Date.now();
        let perWorker = measured ? Math.min(RUNS_PER_WORKER, Math.floor(leftMs / (runSeconds * 1000 + overheadMs))) : 1;
        let limit = runSeconds;
        if (perWorker < 1 || !measured) {
          // One run a worker, as long as what is left allows.
          limit = Math.min(runSeconds, Math.floor((leftMs - overheadMs) / 1000));
          if (limit < MIN_RUN_SECONDS) break;
          perWorker = 1;
        }
        const batchStart = Date.now();
        // A run's operations stop at its limit; its ending and any shrinking get what is left of the budget, and a minute.
        const timeout = Math.max(limit + 120, Math.round(leftMs / 1000) + 60);
        const stage = path.join(reportsRoot(), runId, `batch-${batch}`);
        await runPlaywright(['scenarios/random.spec.ts', '--project', SCENARIOS], {
          ...env, SYNCWRIGHT_SEED: String(seed), SYNCWRIGHT_RANDOM_SEEDS: String(workers * perWorker),
          SYNCWRIGHT_RUN_SECONDS: String(limit), SYNCWRIGHT_RANDOM_TIMEOUT_S: String(timeout), SYNCWRIGHT_REPORT_DIR: stage,
        }, { quiet: true });
        seed += workers * perWorker;
        overheadMs = Math.max(0, (Date.now() - batchStart) / perWorker - limit * 1000);
        measured = true;
        // Our reporter (harness/conformance/reporter.ts) built each run's entry, its counterexample and operation count.
        const collected = await readRunResults(stage).catch(() => ({ scenarios: [], artifacts: {} as Record<string, string> }));
        for (const { result: s, clientOperations: n, counterexample } of collected.scenarios) {
          const found = counterexample as Counterexample | undefined;
          if (found?.failure.includes(INTERRUPTED)) {
            // The budget ran out mid-run: nothing was judged, and nothing is wrong.
            unfinished++;
            progress(`${s.title}: unfinished at the time limit, not judged`);
            continue;
          }
          // A run that could not complete was not judged: its operations were not checked.
          if (!found?.failure.startsWith(NOT_COMPLETED)) checkedOps += n;
          const id = `batch-${batch}/${s.artifacts.history ?? ''}`;
          scenarios.push({ ...s, artifacts: { ...s.artifacts, ...(s.artifacts.history ? { history: id } : {}) } });
          if (s.artifacts.history && collected.artifacts[s.artifacts.history]) artifacts[id] = collected.artifacts[s.artifacts.history]!;
          if (s.status === 'passed' || !found) {
            progress(`${s.title}: ${s.status}, ${n} client operations checked`);
            continue;
          }
          const checkers = failedCheckerNames(found.failure);
          if (!checkers.length) {
            // Not an anomaly the checkers found (the run could not start or finish): nothing to replay as a regression.
            progress(`${s.title}: FAILED without a checker's verdict: ${found.failure.split('\n')[0]}`);
            continue;
          }
          const file = path.join('scenarios', 'regressions', `${checkers[0] ?? 'anomaly'}-seed-${found.seed}.spec.ts`);
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, renderRegressionSpec({
            title: `regression: seed ${found.seed} (${checkers.join(', ') || 'failed'})${planted ? ` with planted bug ${planted}` : ''}`,
            ops: found.ops, shape: found.shape, login: planted ? { planted } : undefined,
            note: `seed ${found.seed}, ${found.ops.length} operations${shrunk}; ${checkers.join(', ')}`,
          }));
          regressions.push(file);
          progress(`${s.title}: FAILED (${checkers.join(', ') || 'error'}); ${found.ops.length} operations${shrunk} → ${file}`);
          progress(`  ${found.failure.split('\n').slice(0, 4).join('\n  ')}`);
          progress(`  replay: ${reproCommand({ seed: found.seed, maxOps: ops, clients, processFaults, steps: found.steps, planted })}, or npx playwright test ${file}`);
          // The matrix replays a planted bug's seed at its own settings: the digest pins the run that seed was.
          if (planted) progress(`  for the matrix (harness/conformance/catalogue.ts): seed: ${found.seed}, digest: '${workloadDigest(found.seed, workloadSettings({ ...process.env, ...env }))}'${ops === MATRIX_OPS ? '' : ` (found at --ops ${ops}; the matrix runs ${MATRIX_OPS})`}`);
        }
        const perMinute = checkedOps / Math.max(elapsed(), 1 / 60);
        progress(`${scenarios.length} runs, ${checkedOps} client operations checked, ${Math.round(perMinute)} per minute`);
      }
    } finally {
      await shared?.stack.stop();
    }
    const report = buildReport({
      kind: 'explore', runId, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), target: { kind: 'local' },
      budget: config.latencyBudget, scenarios, planted: [], load: [],
    });
    const dir = await writeReport(report, { artifacts });
    const failed = scenarios.filter((s) => s.status !== 'passed').length;
    console.log(`${failed ? 'FAIL' : 'PASS'}: explored ${scenarios.length} runs, ${checkedOps} client operations checked in ${elapsed().toFixed(1)} min (${Math.round(checkedOps / elapsed())} per minute); ${failed} failed${unfinished ? `, ${unfinished} unfinished at the time limit` : ''}`);
    for (const r of regressions) console.log(`regression spec: ${r}`);
    console.log(`report: ${path.join(dir, 'index.html')}`);
    return failed || scenarios.length === 0 ? 1 : 0;
  },
};
