import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestCase } from '@playwright/test/reporter';
import { ROOT } from '../root.ts';

const CLI = path.join(ROOT, 'node_modules/@playwright/test/cli.js');

export interface Attachment { name: string; contentType: string; path?: string; body?: Buffer }

/**
 * One test of a run, as our reporter (reporter.ts) sees it once it ended. `status` judges against the
 * expectation (a planted bug's test is expected to fail); `outcome` is what the last attempt did.
 */
export interface SpecResult { id: string; title: string; file: string; project: string; status: 'passed' | 'failed' | 'flaky' | 'skipped'; outcome: string; durationMs: number; retries: number; error?: string; attachments: Attachment[] }

/** A Playwright test and its attempts so far → SpecResult; `rootDir` (the config's) is what `file` is relative to. */
export function specResult(test: TestCase, rootDir: string): SpecResult {
  const last = test.results[test.results.length - 1];
  const o = test.outcome();
  const status = o === 'expected' ? 'passed' : o === 'flaky' ? 'flaky' : o === 'skipped' ? 'skipped' : 'failed';
  const file = path.relative(rootDir, test.location.file).split(path.sep).join('/');
  return {
    id: `${file}:${test.location.line}`, title: test.title, file, project: test.parent.project()?.name ?? '', status, outcome: last?.status ?? 'skipped',
    durationMs: test.results.reduce((a, r) => a + r.duration, 0), retries: Math.max(0, test.results.length - 1),
    error: last?.error?.message ?? last?.errors[0]?.message, attachments: last?.attachments.map((a) => ({ ...a })) ?? [],
  };
}

/** Runs Playwright on the scenarios (with our reporter, playwright.config.ts, into SYNCWRIGHT_REPORT_DIR); output streams through. */
export function runPlaywright(args: string[], env: Record<string, string>, opts: { quiet?: boolean } = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'test', ...args], {
      cwd: ROOT, env: { ...process.env, ...env }, stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    if (opts.quiet) { child.stdout?.resume(); child.stderr?.resume(); }
    child.once('error', (e) => { console.error(`cannot run Playwright (${CLI}): ${e.message}; run npm ci`); resolve(1); });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
