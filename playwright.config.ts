import { defineConfig } from '@playwright/test';
import { MUTANTS } from './reference/mutants.ts';

// The seeded random run's seed: chosen once here, inherited by the workers, printed in its title.
process.env.SYNCWRIGHT_SEED ??= String(Math.floor(Math.random() * 2 ** 31));

// The planted-bug matrix (harness/conformance/mutants.ts): one project a mutant, each running the
// spec that claims to catch it with that mutant switched on per browser, against one shared stack.
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const matrix = (process.env.SYNCWRIGHT_MATRIX ?? '').split(',').filter(Boolean).map((name) => {
  const m = MUTANTS.find((x) => x.name === name);
  if (!m) throw new Error(`SYNCWRIGHT_MATRIX: unknown mutant '${name}'`);
  return { name, testMatch: `${m.caughtBy}.spec.ts`, ...(m.test ? { grep: new RegExp(escapeRe(m.test)) } : {}), use: { mutant: name } };
});

// One worker: each worker boots a whole stack (Postgres, Realtime, app, worker) and this machine has 2 cores.
export default defineConfig<{ mutant: string }>({
  ...(matrix.length ? { projects: matrix } : {}),
  testDir: 'scenarios',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  workers: Number(process.env.SYNCWRIGHT_WORKERS ?? 1),
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
