import fc from 'fast-check';
import { test, expect } from '../fixtures/index.ts';
import { workloadArbitrary, type Op } from '../harness/workload/ops.ts';
import { INTERRUPTED, NOT_COMPLETED, reproCommand, workloadSettings } from '../harness/workload/settings.ts';

const settings = workloadSettings(process.env);
/** Seeds a planted bug of the workload gets in the matrix before it counts as missed. */
const PLANTED_TRIES = 5;
// Restarting Realtime or Postgres needs a stack of this spec's own (`syncwright explore` asks for it).
test.use({ privateStack: settings.processFaults });
// Seeds are independent runs: explore's workers take them in parallel (a file's tests otherwise share one worker).
test.describe.configure({ mode: 'parallel' });

// The random workload: browser profiles over two users (one switching accounts), server-side writers
// and a slow writer, per-client faults; each run is judged by the generic checkers alone. One test
// a seed, so each seed's history, verdicts and repro line stand on their own.
for (let i = 0; i < settings.seeds; i++) {
  const seed = settings.seed + i;
  test(`random workload: ${settings.clients} clients, server writers and faults converge with no anomaly (seed ${seed})`, async ({ workload, planted }, testInfo) => {
    test.setTimeout(settings.timeoutMs);
    // A planted bug of the matrix replays the seed exploration found it with, when it has one, and
    // gets up to PLANTED_TRIES seeds in a row: a workload finds a bug with some probability a run.
    const tries = planted ? PLANTED_TRIES : 1;
    let failure = '';
    let failedOps: Op[] = [];
    const firstSeed = planted?.seed?.value ?? seed;
    let runSeed = firstSeed;
    // How many of the seed's generated steps its first run got to (Jepsen's time limit), if not all.
    let seedSteps: number | undefined;
    let firstRun = true;
    const property = fc.asyncProperty(workloadArbitrary(settings), async (generated) => {
      const ops = settings.steps === undefined ? generated : generated.slice(0, settings.steps);
      let w: Awaited<ReturnType<typeof workload>> | undefined;
      let ran = ops.length;
      const first = firstRun;
      firstRun = false;
      try {
        w = await workload(settings);
        ran = await w.run(ops, { concurrent: true, until: settings.runMs === undefined ? undefined : Date.now() + settings.runMs });
        if (first) seedSteps = ran < generated.length ? ran : undefined;
        await w.finish();
        return true;
      } catch (err) {
        // The checkers' verdicts, or what stopped the run before they could judge it.
        failure = w?.verdicts.length ? (err as Error).message : `${NOT_COMPLETED}: ${(err as Error).message.split('\n')[0]}`;
        failedOps = ops.slice(0, ran);
        return false;
      } finally {
        // A shrinking search runs many worlds: each gives its browsers back at once.
        await w?.close();
      }
    });
    let out: fc.RunDetails<[Op[]]> | undefined;
    for (let k = 0; k < tries; k++) {
      runSeed = firstSeed + k;
      firstRun = true;
      out = await fc.check(property, {
        seed: runSeed, numRuns: 1, endOnFailure: !settings.shrink, interruptAfterTimeLimit: Math.max(30_000, settings.timeoutMs - 60_000),
      });
      if (out.failed && !failure) failure = `${NOT_COMPLETED}: ${out.interrupted ? INTERRUPTED : String(out.errorInstance ?? 'no verdict')}`;
      // A run that could not complete proves nothing either way: a planted bug's next try goes on.
      if (out.failed && !failure.startsWith(NOT_COMPLETED)) break;
    }
    if (out!.failed) {
      await testInfo.attach('counterexample.json', { body: JSON.stringify({ seed: runSeed, steps: seedSteps, shape: { clients: settings.clients, processFaults: settings.processFaults }, ops: failedOps, failure }, null, 1), contentType: 'application/json' });
    }
    const repro = reproCommand({ ...settings, seed: runSeed, steps: seedSteps, planted: planted?.name });
    expect(out!.failed, `${failure}\nreplay with: ${repro} (${failedOps.length} operations)`).toBe(false);
  });
}
