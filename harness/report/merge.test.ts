// `syncwright report --merge`: shard reports of one run make the report of the whole run; anything
// else is refused, naming the reports. Shards here are cut from a synthetic unsharded run by the
// same planShard that `syncwright run --shard` uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { CATALOGUE } from '../conformance/catalogue.ts';
import { SCENARIOS } from '../conformance/planted.ts';
import { planShard, type Shard } from '../conformance/shard.ts';
import { Report, type ScenarioResult } from '../schema/report.ts';
import { sample, samples, scenario } from './fixture.ts';
import { buildReport, newRunId, writeReport } from './write.ts';
import { MergeRefused, mergeShards, type ShardReport } from './merge.ts';
import { shardLine } from './html.ts';
import { command as report } from '../cli/report.ts';
import { UsageError } from '../cli/command.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/syncwright.mjs');

/** The CLI, run asynchronously so that a test's calls can overlap. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** An unsharded run: scenarios with histories (a failed one with a trace and diagnostics, a random run with seeds), the whole matrix, the load smoke. */
function unsharded(): Report {
  const base = sample();
  const scenarios: ScenarioResult[] = [
    ...['worker-transitions', 'events-within-budget', 'detail-merge', 'offline-queue', 'token-refresh'].map((t, i) => ({ ...scenario(t, 'passed', samples(40, 20 + i, i + 1)), id: `${t}.spec.ts:4`, file: `${t}.spec.ts` })),
    { ...scenario('conflict', 'failed'), id: 'conflict.spec.ts:4', file: 'conflict.spec.ts' },
    ...[41, 42].map((seed) => ({ ...scenario(`random workload: 4 clients (seed ${seed})`, 'passed'), id: 'random.spec.ts:19', file: 'random.spec.ts' })),
  ];
  const planted = CATALOGUE.map((m, i) => ({ bug: m.name, scenario: m.caughtBy, caught: i !== 3, detail: i !== 3 ? 'caught' : 'all its tests passed', durationMs: 1000 + i }));
  return buildReport({ ...base, scenarios, planted, shard: undefined });
}

/**
 * The shards `run --shard i/total` would write of `whole`: each its slice, its files numbered from 0
 * as a run numbers them (a history each, a failure's trace and diagnostics), the file's text naming its scenario.
 */
function shardsOf(whole: Report, total: number): { report: Report; files: Record<string, string> }[] {
  const items = { scenarios: whole.scenarios.map((s) => ({ project: SCENARIOS, file: s.file, titlePath: [s.title] })), planted: CATALOGUE, load: whole.load.length > 0 };
  return Array.from({ length: total }, (_, i) => {
    const plan = planShard(items, { index: i + 1, total });
    const files: Record<string, string> = {};
    const scenarios = whole.scenarios.filter((s) => plan.scenarios.some((t) => t.file === s.file && t.titlePath[0] === s.title)).map((s, j) => {
      const art: ScenarioResult['artifacts'] = { history: `histories/${j}.jsonl` };
      if (s.status === 'failed') Object.assign(art, { trace: `traces/${j}.zip`, diagnostics: [`diagnostics/${j}/stack.log`] });
      for (const f of [art.history!, art.trace, ...(art.diagnostics ?? [])]) if (f) files[f] = `${s.title}: ${path.basename(f)}`;
      return { ...s, artifacts: art };
    });
    const report = buildReport({
      ...whole, runId: newRunId(), scenarios, planted: whole.planted.filter((p) => plan.planted.some((m) => m.name === p.bug)),
      load: plan.load ? whole.load : [], shard: { ...plan.shard, plan: plan.plan },
    });
    return { report, files };
  });
}

/** Shard report directories as `run` writes them: report.json, index.html, junit.xml and the linked files. */
async function writeShards(root: string, shards: { report: Report; files: Record<string, string> }[]): Promise<string[]> {
  return Promise.all(shards.map(async ({ report, files }, i) => {
    const src = path.join(root, `src-${i}`);
    const artifacts: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
      artifacts[name] = path.join(src, name);
      await mkdir(path.dirname(artifacts[name]!), { recursive: true });
      await writeFile(artifacts[name]!, text);
    }
    return writeReport(report, { dir: path.join(root, `shard-${i + 1}`), artifacts });
  }));
}

const key = (s: ScenarioResult) => `${s.file} ${s.title} ${s.status}`;

test('two merged shards are the unsharded run: its scenarios, planted bugs, load, counts and verdict, with every link of index.html working', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'syncwright-merge-'));
  const whole = unsharded();
  const shards = shardsOf(whole, 2);
  assert.ok(shards.every((s) => s.report.scenarios.length > 0 && s.report.planted.length > 0), 'each shard holds scenarios and planted bugs');
  assert.deepEqual(shards.map((s) => shardLine(s.report)), ['shard 1 of 2', 'shard 2 of 2']);
  const dirs = await writeShards(root, shards);
  const out = path.join(root, 'merged');
  const r = await cli(['report', '--merge', ...dirs], { SYNCWRIGHT_REPORTS_ROOT: out });
  assert.equal(r.status, 1, `the run has a failed scenario and a missed planted bug: exit 1\n${r.stderr}`);
  const dir = /^merged report: (.+)$/m.exec(r.stdout)?.[1];
  assert.ok(dir && dir.startsWith(out), r.stdout);
  assert.match(r.stdout, /merged from shards 1, 2 of 2/);

  const merged = Report.parse(JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')));
  assert.deepEqual(merged.scenarios.map(key).sort(), whole.scenarios.map(key).sort(), 'the scenario set of the unsharded run');
  assert.deepEqual(merged.planted, whole.planted, 'the matrix, in the catalogue order');
  assert.deepEqual(merged.load, whole.load);
  assert.deepEqual(merged.summary, whole.summary, 'counts, latency and verdict');
  assert.deepEqual(merged.merged, { total: 2, plan: shards[0]!.report.shard!.plan, shards: shards.map((s) => ({ index: s.report.shard!.index, runId: s.report.runId })), missing: [] });
  assert.equal(merged.shard, undefined);

  // Each link goes to the file its shard wrote for that very scenario.
  for (const s of merged.scenarios) {
    const links = [s.artifacts.history, s.artifacts.trace, ...(s.artifacts.diagnostics ?? [])].filter((l): l is string => !!l);
    assert.ok(s.artifacts.history, `${s.title} keeps its history`);
    for (const l of links) assert.equal(await readFile(path.join(dir, l), 'utf8'), `${s.title}: ${path.basename(l)}`, l);
  }
  const html = await readFile(path.join(dir, 'index.html'), 'utf8');
  const hrefs = [...html.matchAll(/href="([^"#][^"]*)"/g)].map((m) => m[1]!);
  assert.equal(hrefs.length, merged.scenarios.length + 2, 'a history per scenario, the failed one\'s trace and diagnostics');
  for (const h of hrefs) assert.ok(existsSync(path.join(dir, h)), `index.html links ${h}`);
  assert.match(html, /<span id="shard">merged from shards 1, 2 of 2<\/span>/);
  const junit = new XMLParser({ ignoreAttributes: false }).parse(await readFile(path.join(dir, 'junit.xml'), 'utf8'));
  assert.equal(Number(junit.testsuites['@_tests']), whole.scenarios.length + whole.planted.length + whole.load.length);
  assert.equal(Number(junit.testsuites['@_failures']), 2);
  assert.deepEqual((await readdir(dir)).sort(), ['index.html', 'junit.xml', 'report.json', 'shard-1', 'shard-2']);
});

/** In-memory shard reports (links to files that do not exist are dropped, which these tests do not look at). */
const given = (shards: { report: Report }[], names = shards.map((_, i) => `s${i + 1}`)): ShardReport[] => shards.map((s, i) => ({ dir: `/nowhere/${names[i]}`, name: names[i], report: s.report }));
const refused = (inputs: ShardReport[], re: RegExp, allow: Shard[] = []) => assert.throws(() => mergeShards(inputs, allow), (e: Error) => e instanceof MergeRefused && re.test(e.message), String(re));

test('merge refuses reports of different kinds, reports that are not shards, and a merged report', () => {
  const [a, b] = shardsOf(unsharded(), 2);
  const load = buildReport({ ...b!.report, kind: 'load', scenarios: [], planted: [] });
  refused(given([a!, { report: load }]), /^cannot merge reports of different kinds: conformance \(s1\), load \(s2\)$/);
  refused(given([a!, { report: buildReport({ ...b!.report, shard: undefined }) }]), /^s2 is not a shard's report \(it was not written by 'syncwright run --shard i\/n'\)$/);
  const merged = mergeShards(given([a!, b!])).report;
  refused(given([a!, { report: merged }]), /^s2 is not a shard's report \(it is a merged one\)$/);
});

test('merge refuses shards of different counts, plans or targets', () => {
  const whole = unsharded();
  const [a2] = shardsOf(whole, 2);
  const [, b3] = shardsOf(whole, 3);
  refused(given([a2!, b3!]), /^the shards were cut in different counts: s1 is 1\/2, s2 is 2\/3$/);
  const [, other] = shardsOf(buildReport({ ...whole, scenarios: whole.scenarios.slice(1) }), 2);
  refused(given([a2!, other!]), /^the shards come from different runs \(their plans.*s1 [0-9a-f]{12}, s2 [0-9a-f]{12}\); merge the shards of one commit/);
  const [, b2] = shardsOf(whole, 2);
  const ideal = buildReport({ ...b2!.report, target: { kind: 'local', realtimeProfile: 'ideal' } });
  refused(given([a2!, { report: ideal }]), /^the shards ran against different targets: s1 .*, s2 .*"ideal"/);
});

test('merge refuses a shard given twice, and a missing shard unless --allow-missing excuses it (and only a missing one)', () => {
  const [a, b, c] = shardsOf(unsharded(), 3);
  refused(given([a!, b!, b!], ['s1', 's2', 'again']), /^shard 2\/3 is given twice: s2 and again$/);
  refused(given([a!, c!]), /^shard 2\/3 missing; merge all 3, or excuse it with --allow-missing 2\/3$/);
  refused(given([a!]), /^shards 2\/3, 3\/3 missing; merge all 3, or excuse them with --allow-missing 2\/3 --allow-missing 3\/3$/);
  refused(given([a!, c!]), /^--allow-missing 1\/3 names a shard that is here \(s1\)$/, [{ index: 1, total: 3 }]);
  refused(given([a!, c!]), /^--allow-missing 2\/4 names a shard of 4, but these are shards of 3$/, [{ index: 2, total: 4 }]);
  const { report } = mergeShards(given([a!, c!]), [{ index: 2, total: 3 }]);
  assert.deepEqual(report.merged?.missing, [2]);
  assert.equal(report.scenarios.length, a!.report.scenarios.length + c!.report.scenarios.length);
  assert.equal(shardLine(report), 'merged from shards 1, 3 of 3; shard 2 missing (excused by --allow-missing)');
});

test('a link whose file the shard directory lacks is left out of the merged report, and said', () => {
  const [a, b] = shardsOf(unsharded(), 2);
  const { report, dropped, artifacts } = mergeShards(given([a!, b!]));
  assert.equal(Object.keys(artifacts).length, 0);
  assert.equal(dropped.length, [...a!.report.scenarios, ...b!.report.scenarios].reduce((n, s) => n + 1 + (s.artifacts.trace ? 2 : 0), 0));
  assert.ok(report.scenarios.every((s) => Object.keys(s.artifacts).length === 0));
});

test('report --merge refuses, changing nothing: a directory without a report, bad --allow-missing, --compare beside it; a refusal is one line, exit 2', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'syncwright-merge-'));
  const dirs = await writeShards(root, shardsOf(unsharded(), 3));
  const empty = path.join(root, 'empty');
  await mkdir(empty);
  const out = path.join(root, 'out');
  // In process for the usage errors (main.ts turns each into one line and exit 2), the command line once.
  // Where a command that got past its checks would write: nowhere else than here.
  const was = process.env.SYNCWRIGHT_REPORTS_ROOT;
  process.env.SYNCWRIGHT_REPORTS_ROOT = out;
  t.after(() => { if (was === undefined) delete process.env.SYNCWRIGHT_REPORTS_ROOT; else process.env.SYNCWRIGHT_REPORTS_ROOT = was; });
  await assert.rejects(report.run(['--merge', dirs[0]!, empty]), (e: Error) => e instanceof UsageError && /^no report\.json at '.*empty'/.test(e.message));
  await assert.rejects(report.run(['--merge', dirs[0]!, dirs[2]!, '--allow-missing', 'two']), (e: Error) => e instanceof UsageError && /^--allow-missing must be i\/n, .* got 'two'$/.test(e.message));
  await assert.rejects(report.run(['--merge', dirs[0]!, '--compare', dirs[1]!]), (e: Error) => e instanceof UsageError && /--merge and --compare do not go together/.test(e.message));
  await assert.rejects(report.run(['--merge']), (e: Error) => e instanceof UsageError && /--merge needs the report directories/.test(e.message));
  const missing = await cli(['report', '--merge', dirs[0]!, dirs[2]!], { SYNCWRIGHT_REPORTS_ROOT: out });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.split('\n')[0], 'syncwright report: shard 2/3 missing; merge all 3, or excuse it with --allow-missing 2/3');
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(out), false, 'no report written');
  assert.match(report.usage, /--merge DIR\.\.\./);
  assert.match(report.usage, /--allow-missing i\/n/);
});
