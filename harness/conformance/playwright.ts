import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JSONReport, JSONReportSuite, TestCase } from '@playwright/test/reporter';
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

/** A test a Playwright run would run: its project, file (relative to the config's rootDir) and titles (describes, then its own). */
export interface ListedTest { project: string; file: string; titlePath: string[] }

/**
 * The tests `playwright test <args>` would run, without running them: `--list` runs no globalSetup,
 * so nothing boots. Read from Playwright's JSON reporter, whose shape its typings fix.
 */
export async function listTests(args: string[], env: Record<string, string>): Promise<ListedTest[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-list-'));
  const out = path.join(dir, 'list.json');
  try {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'test', '--list', '--reporter=json', ...args], {
        cwd: ROOT, env: { ...process.env, ...env, PLAYWRIGHT_JSON_OUTPUT_FILE: out }, stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      child.once('error', (e) => resolve({ code: 1, stderr: `cannot run Playwright (${CLI}): ${e.message}; run npm ci` }));
      child.once('exit', (c) => resolve({ code: c ?? 1, stderr: err }));
    });
    const report = JSON.parse(await readFile(out, 'utf8').catch(() => 'null')) as JSONReport | null;
    const problem = report?.errors[0]?.message ?? (code === 0 ? undefined : stderr.trim().split('\n')[0] || `exit ${code}`);
    if (!report || problem) throw new Error(`Playwright could not list the tests: ${problem ?? 'it wrote no list'}`);
    const tests: ListedTest[] = [];
    const walk = (suite: JSONReportSuite, titles: string[]) => {
      for (const spec of suite.specs) for (const t of spec.tests) tests.push({ project: t.projectName, file: spec.file, titlePath: [...titles, spec.title] });
      for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
    };
    // The top suites are the files; the suites under them are describes.
    for (const file of report.suites) walk(file, []);
    return tests;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
