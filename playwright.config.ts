import { defineConfig } from '@playwright/test';
import { MUTANTS } from './reference/mutants.ts';

// The seeded random run's seed: chosen once here, inherited by the workers, printed in its title.
process.env.SYNCWRIGHT_SEED ??= String(Math.floor(Math.random() * 2 ** 31));

// The planted-bug matrix (harness/conformance/mutants.ts): a project a mutant, each running the test
// that claims to catch it with the mutant switched on, next to the scenarios and on the same stack.
// A browser mutant is switched on per session (`mutant`); a worker mutant needs a stack of its own.
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const matrix = (process.env.SYNCWRIGHT_MATRIX ?? '').split(',').filter(Boolean).map((name) => {
  const m = MUTANTS.find((x) => x.name === name);
  if (!m) throw new Error(`SYNCWRIGHT_MATRIX: unknown mutant '${name}'`);
  return {
    name, testMatch: `${m.caughtBy}.spec.ts`, ...(m.test ? { grep: new RegExp(escapeRe(m.test)) } : {}),
    // A caught mutant fails its test on an assertion: 5 s is 2.5 times the plan's budget, and no trace.
    expect: { timeout: 5_000 },
    use: { ...(m.inWorker ? { stackEnv: { SYNC_MUTANT: name } } : { mutant: name }), trace: 'off' as const },
  };
});

// Every worker and project shares the stack globalSetup boots (fixtures/shared-stack.ts); only specs
// that restart its processes or need other server settings boot their own.
export default defineConfig<{ mutant: string; stackEnv: Record<string, string> }>({
  projects: [{ name: 'scenarios' }, ...matrix],
  globalSetup: './fixtures/global-setup.ts',
  testDir: 'scenarios',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  workers: Number(process.env.SYNCWRIGHT_WORKERS ?? 2),
  retries: 0,
  reporter: process.env.SYNCWRIGHT_REPORT_DIR
    ? [['list'], ['json', { outputFile: `${process.env.SYNCWRIGHT_REPORT_DIR}/playwright.json` }], ['junit', { outputFile: `${process.env.SYNCWRIGHT_REPORT_DIR}/playwright-junit.xml` }]]
    : [['list']],
  outputDir: process.env.SYNCWRIGHT_REPORT_DIR ? `${process.env.SYNCWRIGHT_REPORT_DIR}/artifacts` : 'test-results',
  use: {
    trace: (process.env.SYNCWRIGHT_TRACE as 'on' | 'off' | 'retain-on-failure' | undefined) ?? 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
