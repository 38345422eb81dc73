import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig, FullResult, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import SyncwrightReporter, { reportOrder } from './reporter.ts';
import { plantedProjects, selectPlanted } from './planted.ts';
import { readRunResults } from './results.ts';

// Fakes of the Playwright objects the reporter reads, as the runner hands them over.
const ROOT = '/repo/scenarios';
type Loc = { file: string; line: number; column: number };
const loc = (file: string, line: number): Loc => ({ file: path.join(ROOT, file), line, column: 1 });

function fakeTest(project: string, file: string, line: number, title: string, expectedStatus: TestResult['status'] = 'passed'): TestCase {
  const results: TestResult[] = [];
  return {
    type: 'test', title, location: loc(file, line), results, expectedStatus,
    parent: { project: () => ({ name: project }) },
    outcome() {
      const rs = results.filter((r) => r.status !== 'skipped' && r.status !== 'interrupted');
      if (!rs.length) return 'skipped';
      if (rs.every((r) => r.status === expectedStatus)) return 'expected';
      return rs.some((r) => r.status === expectedStatus) ? 'flaky' : 'unexpected';
    },
  } as unknown as TestCase;
}

function fakeSuite(type: string, title: string, location: Loc | undefined, entries: (Suite | TestCase)[]): Suite {
  return { type, title, location, entries: () => entries, suites: entries.filter((e) => e.type !== 'test') } as unknown as Suite;
}

function end(t: TestCase, status: TestResult['status'], opts: { error?: string; attachments?: TestResult['attachments']; duration?: number } = {}): TestResult {
  const r = {
    status, duration: opts.duration ?? 100, retry: t.results.length, errors: opts.error ? [{ message: opts.error }] : [],
    error: opts.error ? { message: opts.error } : undefined, attachments: opts.attachments ?? [],
  } as unknown as TestResult;
  t.results.push(r);
  return r;
}

const json = (name: string, body: string) => ({ name, contentType: 'application/json', body: Buffer.from(body) });

test('tests are listed as the JSON reporter listed them: file by file, a suite\'s tests before its nested suites, projects and repeats together', () => {
  const a = fakeTest('scenarios', 'a.spec.ts', 3, 'first');
  const nested = fakeTest('scenarios', 'a.spec.ts', 6, 'nested');
  const last = fakeTest('scenarios', 'a.spec.ts', 9, 'last');
  const b = fakeTest('scenarios', 'b.spec.ts', 2, 'b');
  const plantedA = fakeTest('planted-1', 'a.spec.ts', 3, 'first');
  const file = (f: string, ...e: (Suite | TestCase)[]) => fakeSuite('file', f, loc(f, 0), e);
  const root = fakeSuite('root', '', undefined, [
    fakeSuite('project', 'scenarios', undefined, [
      file('a.spec.ts', a, fakeSuite('describe', 'd', loc('a.spec.ts', 5), [nested]), last),
      file('b.spec.ts', b),
    ]),
    fakeSuite('project', 'planted-1', undefined, [file('a.spec.ts', plantedA)]),
  ]);
  assert.deepEqual(reportOrder(root), [a, plantedA, last, nested, b]);
});

test('the reporter writes each scenario once, the planted-bug verdicts and their counts to results.json', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reporter-'));
  const bugs = selectPlanted(['no-conflict-notice', 'fake-connected']);
  const saved = process.env.SYNCWRIGHT_MATRIX;
  process.env.SYNCWRIGHT_MATRIX = bugs.map((m) => m.name).join(',');
  t.after(() => { if (saved === undefined) delete process.env.SYNCWRIGHT_MATRIX; else process.env.SYNCWRIGHT_MATRIX = saved; });
  const [p1] = plantedProjects(bugs).map((p) => p.name);

  const ok = fakeTest('scenarios', 'conflict.spec.ts', 10, 'shows the conflict');
  const broken = fakeTest('scenarios', 'connection-status.spec.ts', 5, 'says offline');
  const notRun = fakeTest('scenarios', 'connection-status.spec.ts', 20, 'never ran');
  const caught = fakeTest(p1!, 'conflict.spec.ts', 10, 'shows the conflict', 'failed');
  const boot = fakeTest(p1!, 'connection-status.spec.ts', 5, 'says offline', 'failed');
  const file = (f: string, project: string, ...e: TestCase[]) => fakeSuite('file', f, loc(f, 0), e);
  const root = fakeSuite('root', '', undefined, [
    fakeSuite('project', 'scenarios', undefined, [file('conflict.spec.ts', 'scenarios', ok), file('connection-status.spec.ts', 'scenarios', broken, notRun)]),
    fakeSuite('project', p1!, undefined, [file('conflict.spec.ts', p1!, caught), file('connection-status.spec.ts', p1!, boot)]),
  ]);

  const reporter = new SyncwrightReporter({ outputDir: dir });
  reporter.onBegin({ rootDir: ROOT, configFile: '/repo/playwright.config.ts' } as FullConfig, root);
  reporter.onTestEnd(ok, end(ok, 'passed', { attachments: [json('latency.json', '{"samples":[100,200,300]}')] }));
  // A failure, retried and failed again: built from its last attempt, with its frames beside the report.
  reporter.onTestEnd(broken, end(broken, 'failed', { error: 'first' }));
  reporter.onTestEnd(broken, end(broken, 'failed', { error: 'Error: expect(locator).toHaveText() failed', attachments: [json('frames-c1.json', '[]')] }));
  reporter.onTestEnd(caught, end(caught, 'failed', { error: 'Error: expect(locator).toBeVisible() failed' }));
  reporter.onTestEnd(boot, end(boot, 'failed', { error: 'bootStack: the app did not become healthy' }));
  assert.equal(await reporter.onEnd({ status: 'failed' } as FullResult), undefined);

  const r = await readRunResults(dir);
  assert.deepEqual(r.scenarios.map((s) => [s.result.id, s.result.status, s.result.retries]), [
    ['conflict.spec.ts:10', 'passed', 0], ['connection-status.spec.ts:5', 'failed', 1], ['connection-status.spec.ts:20', 'skipped', 0],
  ]);
  assert.equal(r.scenarios[0]!.result.latency?.count, 3);
  assert.equal(r.scenarios[1]!.result.error, 'Error: expect(locator).toHaveText() failed');
  assert.equal(r.scenarios[1]!.result.durationMs, 200);
  assert.deepEqual(r.scenarios[1]!.result.artifacts.diagnostics, ['diagnostics/1/frames-c1.json']);
  assert.equal(r.artifacts['diagnostics/1/frames-c1.json'], path.join(dir, 'diagnostics/1/frames-c1.json'));
  assert.deepEqual(r.planted.map((m) => [m.bug, m.caught]), [['no-conflict-notice', true], ['fake-connected', false]]);
  assert.deepEqual(r.summary, { passed: 1, failed: 1, flaky: 0, skipped: 1, plantedCaught: 1, plantedMissed: 1 });
});

test('a result the reporter cannot build fails the run and writes no results.json', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reporter-'));
  const saved = process.env.SYNCWRIGHT_MATRIX;
  delete process.env.SYNCWRIGHT_MATRIX;
  t.after(() => { if (saved !== undefined) process.env.SYNCWRIGHT_MATRIX = saved; });
  const bad = fakeTest('scenarios', 'x.spec.ts', 1, 'x');
  const reporter = new SyncwrightReporter({ outputDir: dir });
  reporter.onBegin({ rootDir: ROOT } as FullConfig, fakeSuite('root', '', undefined, [fakeSuite('project', 'scenarios', undefined, [fakeSuite('file', 'x.spec.ts', loc('x.spec.ts', 0), [bad])])]));
  reporter.onTestEnd(bad, end(bad, 'passed', { attachments: [json('latency.json', 'not json')] }));
  const stderr = process.stderr.write;
  process.stderr.write = () => true;
  try {
    assert.deepEqual(await reporter.onEnd({ status: 'passed' } as FullResult), { status: 'failed' });
  } finally {
    process.stderr.write = stderr;
  }
  assert.equal(existsSync(path.join(dir, 'results.json')), false);
});
