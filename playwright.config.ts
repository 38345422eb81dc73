import { defineConfig } from '@playwright/test';

// The seeded random run's seed: chosen once here, inherited by the workers, printed in its title.
process.env.SYNCWRIGHT_SEED ??= String(Math.floor(Math.random() * 2 ** 31));

// One worker: each worker boots a whole stack (Postgres, Realtime, app, worker) and this machine has 2 cores.
export default defineConfig({
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
