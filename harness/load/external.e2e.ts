// `syncwright load` against an external target: a stack `syncwright up` runs from another directory,
// which the load command reaches only by the URLs, key and secret (or tokens) it is given — no
// stack.json, no database, nothing booted. The test itself reads the stack's database to check
// what the command left behind. Also: the k6-operator manifests, whose archive is run here the way
// k6-operator's runners run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { StackInfo } from '../schema/stack.ts';
import { Report } from '../schema/report.ts';
import { ensureK6, k6Path } from '../setup/k6.ts';
import { segmentArgs } from './segments.ts';
import { ARCHIVE_KEY } from './emit.ts';
import { ROOT } from '../root.ts';

const BIN = path.join(ROOT, 'bin/syncwright.mjs');

interface Ran { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `syncwright up` with free ports in its own directory, until it prints ready; its stack.json. */
async function up(cwd: string): Promise<{ info: StackInfo; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'up', '--port-base', '0', '--workers', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const file = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 300 s:\n${err}`)), 300_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^ready (.+)$/m.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    void exited.then(() => { clearTimeout(timer); reject(new Error(`up exited before ready:\n${err}`)); });
  });
  return { info: StackInfo.parse(JSON.parse(await readFile(file, 'utf8'))), stop: async () => { child.kill('SIGTERM'); await exited; } };
}

async function onlyReport(root: string): Promise<Report> {
  const runs = (await readdir(root)).filter((d) => d !== 'latest');
  assert.equal(runs.length, 1, `one report in ${root}: ${runs.join(', ')}`);
  return Report.parse(JSON.parse(await readFile(path.join(root, runs[0]!, 'report.json'), 'utf8')));
}

test('load runs against a stack it knows only by its URLs, in segments, and emits k6-operator manifests that run', { timeout: 900_000 }, async (t) => {
  await ensureK6(() => {});
  const stack = await up(await mkdtemp(path.join(os.tmpdir(), 'syncwright-external-up-')));
  const { info } = stack;
  const db = new pg.Client(info.dbUrl);
  t.after(async () => {
    await db.end().catch(() => {});
    await stack.stop();
  });
  await db.connect();
  const files = async () => Number((await db.query<{ n: string }>('select count(*) n from audio_files')).rows[0]!.n);
  const target = ['--supabase-url', info.supabaseUrl, '--anon-key', info.anonKey, '--app-url', info.appUrl!];
  const load = async (name: string, args: string[]) => {
    // A directory with no .syncwright: the command could not find the stack if it looked.
    const cwd = await mkdtemp(path.join(os.tmpdir(), `syncwright-external-${name}-`));
    const reports = path.join(cwd, 'reports');
    return { cwd, reports, ...await run(process.execPath, [BIN, 'load', ...args], cwd, { SYNCWRIGHT_REPORTS_ROOT: reports }) };
  };

  await t.test('fanout with --jwt-secret in 2 segments: deliveries add up, server sampling and the baseline are noted as skipped, files are tidied', async () => {
    const before = await files();
    const r = await load('fanout', ['fanout', ...target, '--jwt-secret', info.jwtSecret, '--segments', '2', '--subscribers', '20', '--rate', '5', '--duration', '5']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /boot|running stack/, 'nothing booted, no stack.json read');
    assert.match(r.stdout, /k6 in 2 processes/);
    const report = await onlyReport(r.reports);
    assert.deepEqual(report.target, { kind: 'external', supabaseUrl: info.supabaseUrl, appUrl: info.appUrl });
    const l = report.load[0]!;
    assert.equal(l.passed, true);
    assert.equal(l.metrics.segments, 2);
    assert.ok(l.metrics.committed! > 0 && l.metrics.delivered! > 0, JSON.stringify(l.metrics));
    // 20 subscribers over alice and bob: every commit reaches 10 of them.
    assert.equal(l.metrics.expected, l.metrics.committed! * 10);
    assert.equal(l.metrics.lost, 0);
    assert.ok(l.metrics.p99_ms! > 0);
    for (const k of ['cpu_s', 'rss_max_mb', 'deliveries_per_cpu_s', 'raw_ws_lost']) assert.equal(l.metrics[k], undefined, `${k} is not measured`);
    assert.equal(l.notes?.length, 2);
    assert.match(l.notes![0]!, /server RSS and CPU not sampled: the external target's processes are not on this machine/);
    assert.match(l.notes![1]!, /raw ws baseline skipped/);
    assert.equal(await files(), before, 'the files made for the writers were deleted');
  });

  await t.test('throttle with --token-file (stack.json\'s users): the offender\'s synced row is checked through the app', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'syncwright-external-tokens-'));
    const tokens = path.join(cwd, 'tokens.json');
    await writeFile(tokens, JSON.stringify(info.users));
    const r = await load('throttle', ['throttle', ...target, '--token-file', tokens]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /ok {3}the offender converges through sync: synced updatedAt \d+ vs database \d+/);
    const l = (await onlyReport(r.reports)).load[0]!;
    assert.equal(l.metrics.limit, 100, "supabase/config.toml's limit");
    assert.equal(l.notes![0], "server RSS and CPU not sampled: the external target's processes are not on this machine");
    // A target's rate counters average over up to a minute it saw before this run: its trip is said, not judged.
    assert.match(l.notes![1]!, /^the limiter's trip is not judged: without the server's accounts/);
    assert.doesNotMatch(r.stdout, /the limiter engages/);
  });

  await t.test('--emit k6-operator: manifests whose archive, run in 2 segments as the operator runs it, loads the target', async () => {
    const before = await files();
    const r = await load('emit', ['fanout', ...target, '--jwt-secret', info.jwtSecret, '--segments', '2', '--subscribers', '10', '--rate', '5', '--duration', '5', '--emit', 'k6-operator', '--emit-dir', 'k8s']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const written = r.stdout.split('\n').filter((l) => l.endsWith('.json'));
    assert.deepEqual(written, [path.join(r.cwd, 'k8s/configmap.json'), path.join(r.cwd, 'k8s/testrun.json')]);
    assert.match(r.stdout, /kubectl apply -f /);
    assert.ok(await files() > before, 'the writers\' files are kept for the cluster');
    const [cm, tr] = await Promise.all(written.map(async (f) => JSON.parse(await readFile(f, 'utf8'))));
    assert.equal(tr.spec.parallelism, 2);
    const archive = path.join(r.cwd, ARCHIVE_KEY);
    await writeFile(archive, Buffer.from(cm.binaryData[tr.spec.script.configMap.file], 'base64'));

    // The archive carries its environment and the config it opens, pointing at the target.
    const meta = JSON.parse(execFileSync('tar', ['xOf', archive, 'metadata.json'], { encoding: 'utf8' })) as { env: Record<string, string> };
    assert.deepEqual(Object.keys(meta.env).sort(), ['SW_LOAD_CONFIG', 'SW_LOAD_THRESHOLDS']);
    const cfg = JSON.parse(execFileSync('tar', ['xOf', archive, `file${meta.env.SW_LOAD_CONFIG}`], { encoding: 'utf8' })) as { supabaseUrl: string; appUrl: string; summaryPath: string };
    assert.equal(cfg.supabaseUrl, info.supabaseUrl);
    assert.equal(cfg.appUrl, info.appUrl);
    assert.equal(cfg.summaryPath, '', 'in a pod the summary goes to the log');

    // What each of the operator's runners does: the archive, alone in an empty directory, on its segment.
    const runners = await Promise.all([1, 2].map(async (i) => run(k6Path(), ['run', '--quiet', '--no-usage-report', ...segmentArgs(i, 2), archive], await mkdtemp(path.join(os.tmpdir(), 'syncwright-runner-')))));
    const delivered = runners.map((x, i) => {
      assert.equal(x.code, 0, `runner ${i + 1}: ${x.stderr.slice(-2000)}`);
      return (JSON.parse(x.stdout) as { metrics: Record<string, { values: { count: number } }> }).metrics.realtime_delivered?.values.count ?? 0;
    });
    assert.ok(delivered.every((n) => n > 0), `each runner's subscribers got deliveries: ${delivered.join(', ')}`);
  });
});
