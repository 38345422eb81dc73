import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { chromium } from '@playwright/test';
import { buildReport, newRunId, writeReport } from './write.ts';
import { compareReports } from './compare.ts';
import { Report, upgradeReport } from '../schema/report.ts';
import { sample, scenario } from './fixture.ts';
import config from '../../syncwright.config.ts';
import { browserPath } from '../setup/chromium.ts';

test('writeReport writes report.json (valid), index.html, junit.xml and points latest at the run', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-report-'));
  const r = sample();
  const out = await writeReport(r, { dir });
  Report.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')));
  assert.equal(await readlink(path.join(dir, 'latest')), r.runId);
  const junit = new XMLParser({ ignoreAttributes: false }).parse(await readFile(path.join(out, 'junit.xml'), 'utf8'));
  assert.equal(junit.testsuites['@_failures'], '1');
  assert.equal(r.summary.ok, false, 'a failed scenario makes the run fail');
});

test('compare flags a latency regression and a newly failing scenario, and nothing on identical runs', () => {
  const base = sample();
  assert.equal(compareReports(base, base, config.compare).filter((d) => d.regression).length, 0);
  const worse = structuredClone(base);
  const s = worse.scenarios[0]!;
  s.latency = { ...s.latency!, p95: s.latency!.p95 * 3 + 100 };
  worse.scenarios[1]!.status = 'failed';
  const regressions = compareReports(base, worse, config.compare).filter((d) => d.regression).map((d) => d.metric);
  assert.ok(regressions.some((m) => m.includes('p95')));
  assert.ok(regressions.some((m) => m.includes('status')));
});

test('a baseline written before planted bugs had one name still parses, and compares with a new run', () => {
  const now = sample();
  const { planted, summary, ...rest } = structuredClone(now);
  const { plantedCaught, plantedMissed, ...sum } = summary;
  const old = { ...rest, mutants: planted.map(({ bug, ...p }) => ({ mutant: bug, ...p })), summary: { ...sum, mutantsCaught: plantedCaught, mutantsMissed: plantedMissed } };
  assert.equal(Report.safeParse(old).success, false, 'the old names are not the schema');
  const base = Report.parse(upgradeReport(old));
  assert.deepEqual(base, now);
  now.planted[0]!.caught = false;
  assert.deepEqual(compareReports(base, now, config.compare).filter((d) => d.regression).map((d) => d.metric), [`planted bug ${planted[0]!.bug}`]);
});

test('index.html renders its plots offline in Chromium with figures equal to report.json', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-report-'));
  const r = sample();
  const out = await writeReport(r, { dir });
  const browser = await chromium.launch({ executablePath: browserPath(false), args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  const requests: string[] = [];
  page.on('request', (req) => { if (!req.url().startsWith('file:')) requests.push(req.url()); });
  await page.goto(`file://${path.join(out, 'index.html')}`);
  await page.waitForFunction(() => (window as unknown as { charts?: unknown[] }).charts?.length === 6, undefined, { timeout: 20_000 });
  const drawn = await page.$$eval('canvas', (cs) => cs.map((c) => {
    const ctx = (c as HTMLCanvasElement).getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
    return ink;
  }));
  assert.equal(drawn.length, 6, 'a CDF per scenario with latency (2), histogram, timeline of the failed run, load throughput and load resources');
  assert.ok(drawn.every((ink) => ink > 1000), `every chart drew something: ${drawn}`);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests, [], 'no network');
  const verdict = await page.textContent('#verdict');
  assert.match(verdict!, new RegExp(`${r.summary.passed} passed, ${r.summary.failed} failed`));
  assert.match(verdict!, new RegExp(`p95 ${r.summary.latency!.p95} ms`));
  assert.equal(await page.locator('text=expected </script><b>"conflict"</b> & more').count(), 1, 'data with </script> is escaped, not executed');
  await page.screenshot({ path: path.join(out, 'screenshot.png'), fullPage: true });
  await browser.close();
});

test('a load-only report leads with the load verdict and draws only its load charts', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-report-'));
  const base = sample();
  const r = buildReport({ ...base, kind: 'load', scenarios: [], planted: [], load: [{ ...base.load[0]!, passed: false, metrics: { lost: 3, p99_ms: 41 }, baselineRatio: 0.5 }] });
  const out = await writeReport(r, { dir });
  const browser = await chromium.launch({ executablePath: browserPath(false), args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${path.join(out, 'index.html')}`);
  await page.waitForFunction(() => (window as unknown as { charts?: unknown[] }).charts?.length === 2, undefined, { timeout: 20_000 });
  assert.deepEqual(errors, []);
  assert.equal(await page.textContent('#verdict'), 'Load FAILED: fanout (smoke) FAILED, 3 lost, p99 41 ms, 50 % of raw ws');
  assert.equal(await page.locator('canvas#cdf').count(), 0, 'no empty browser-latency charts');
  await browser.close();
});

test('the headline latency is the steady state: a scenario that slows the network keeps its samples but does not move it', () => {
  const steady = scenario('events-within-budget', 'passed', [30, 40, 50]);
  const slowed = { ...scenario('slow-network', 'passed', [550, 600, 650]), faults: [{ kind: 'latency', phase: 'start', client: 'c1' }] };
  const r = buildReport({
    kind: 'conformance', runId: newRunId(), startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), target: { kind: 'local' }, budget: config.latencyBudget,
    scenarios: [steady, slowed], planted: [], load: [],
  });
  assert.equal(r.summary.latency!.max, 50);
  assert.equal(r.scenarios[1]!.latency!.max, 650);
});

test('SYNCWRIGHT_REPORTS_ROOT moves where reports and their latest link go, so the test suite leaves reports/latest to user runs', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'syncwright-reports-'));
  const was = process.env.SYNCWRIGHT_REPORTS_ROOT;
  process.env.SYNCWRIGHT_REPORTS_ROOT = root;
  try {
    const r = sample();
    const out = await writeReport(r);
    assert.equal(out, path.join(root, r.runId));
    assert.equal(await readlink(path.join(root, 'latest')), r.runId);
  } finally {
    if (was === undefined) delete process.env.SYNCWRIGHT_REPORTS_ROOT;
    else process.env.SYNCWRIGHT_REPORTS_ROOT = was;
  }
});

test("a load entry's notes (what an external target could not measure) are shown beside it and kept in report.json", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-report-'));
  const base = sample();
  const note = 'server RSS and CPU not sampled: the external target\'s processes are not on this machine <here>';
  const r = buildReport({ ...base, kind: 'load', target: { kind: 'external', supabaseUrl: 'http://sb.test', appUrl: 'http://app.test' }, scenarios: [], planted: [], load: [{ ...base.load[0]!, notes: [note] }] });
  const out = await writeReport(r, { dir });
  assert.deepEqual(Report.parse(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'))).load[0]!.notes, [note]);
  const html = await readFile(path.join(out, 'index.html'), 'utf8');
  assert.ok(html.includes("note: server RSS and CPU not sampled: the external target's processes are not on this machine &lt;here&gt;"), 'the note, escaped, in the load table');
});
