import { defineConfig } from '@playwright/test';
import { SCENARIOS, matrixFromEnv, plantedProjects } from './harness/conformance/planted.ts';
import { drawSeed } from './harness/workload/settings.ts';
import { browserPath } from './harness/setup/chromium.ts';

// The seeded random run's seed: chosen once here, inherited by the workers, printed in its title.
process.env.SYNCWRIGHT_SEED ??= String(drawSeed());

// The planted-bug matrix (harness/conformance/planted.ts): its projects run each planted bug's test with the
// bug switched on, next to the scenarios and on the same stack. A caught planted bug fails its test on
// an assertion: 5 s is 2.5 times the plan's budget, and no trace.
const planted = plantedProjects(matrixFromEnv()).map((p) => ({ ...p, expect: { timeout: 5_000 }, use: { ...p.use, trace: 'off' as const } }));

// Two on this 2-core class of machine: the scenarios mostly wait, and steady-state latency stayed
// under a third of the budget in 5 repeats. Three take the gate from 6–7.5 to 5 min, but a run's
// worst steady-state sample rose to 773–943 ms against the 1 s p95 budget (two: 202–321 ms): too
// little margin for a release gate. 1 gives the least noisy latency figures.
const workers = Number(process.env.SYNCWRIGHT_WORKERS ?? 2);
if (!Number.isInteger(workers) || workers < 1 || workers > 8) throw new Error(`SYNCWRIGHT_WORKERS must be an integer from 1 to 8, got '${process.env.SYNCWRIGHT_WORKERS}'`);

// Every worker and project shares the stack globalSetup boots (harness/stack/shared.ts); only specs
// that restart its processes or need other server settings boot their own.
/** A run that shows the browser (Playwright's --headed, --debug or --ui, or PWDEBUG) needs the full chromium, not the headless shell. */
const HEADED = ['--headed', '--debug', '--ui'].some((f) => process.argv.includes(f)) || !!process.env.PWDEBUG;

export default defineConfig<{ stackEnv: Record<string, string> }>({
  projects: [{ name: SCENARIOS }, ...planted],
  globalSetup: './fixtures/global-setup.ts',
  testDir: 'scenarios',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  workers,
  retries: 0,
  // Ours (harness/conformance/reporter.ts) builds the scenarios' results and the planted-bug verdicts
  // into <report dir>/results.json, which syncwright run, explore, the matrix and npm test read.
  reporter: [
    ['list'],
    ...(process.env.SYNCWRIGHT_REPORT_DIR ? [['junit', { outputFile: `${process.env.SYNCWRIGHT_REPORT_DIR}/playwright-junit.xml` }] as const] : []),
    ['./harness/conformance/reporter.ts', { outputDir: process.env.SYNCWRIGHT_REPORT_DIR ?? 'test-results' }],
  ],
  outputDir: process.env.SYNCWRIGHT_REPORT_DIR ? `${process.env.SYNCWRIGHT_REPORT_DIR}/artifacts` : 'test-results',
  use: {
    // No action or navigation waits forever: a workload step that cannot happen fails instead of hanging the run.
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    trace: (process.env.SYNCWRIGHT_TRACE as 'on' | 'off' | 'retain-on-failure' | undefined) ?? 'retain-on-failure',
    launchOptions: {
      executablePath: browserPath(HEADED),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
