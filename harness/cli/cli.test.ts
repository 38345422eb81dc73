// The CLI's contract with its users: every command has --help; a bad flag or name is named, exit 2,
// before anything boots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shardFlag, UsageError } from './command.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/syncwright.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

test('every command answers --help with its usage', () => {
  for (const name of ['up', 'run', 'repro', 'load', 'report', 'setup', 'bench']) {
    const r = cli(name, '--help');
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, /usage: syncwright/, name);
    if (name === 'run') assert.match(r.stdout, /--shard i\/n {8}run the i-th of n slices/);
    if (name === 'report') assert.match(r.stdout, /--merge DIR\.\.\./);
  }
});

test('run refuses a bad --shard in one line naming the flag, exit 2, before it lists, boots or writes anything', async () => {
  for (const v of ['0/2', '3/2', 'x']) {
    assert.throws(() => shardFlag('shard', v), (e: Error) => e instanceof UsageError && e.message === `--shard must be i/n, the i-th of n shards with 1 ≤ i ≤ n ≤ 100 (e.g. 1/2), got '${v}'`);
  }
  // The whole command once: the flag is read before anything happens.
  const reports = path.join(await mkdtemp(path.join(os.tmpdir(), 'syncwright-shard-')), 'reports');
  const r = spawnSync(process.execPath, [BIN, 'run', '--shard', '3/2'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SYNCWRIGHT_REPORTS_ROOT: reports } });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.split('\n')[0], "syncwright run: --shard must be i/n, the i-th of n shards with 1 ≤ i ≤ n ≤ 100 (e.g. 1/2), got '3/2'");
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(reports), false, 'no report directory');
});

test('repro takes a random run\'s settings for random only, and checks them, naming the flag', () => {
  const misplaced = cli('repro', 'conflict', '--steps', '5');
  assert.equal(misplaced.status, 2);
  assert.equal(misplaced.stderr.split('\n')[0], "syncwright repro: --steps is for 'syncwright repro random' only");
  const bad = cli('repro', 'random', '--clients', '2');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.split('\n')[0]!, /^syncwright repro: --clients must be/);
});

test('up --help lists --jwt-alg and its values', () => {
  const r = cli('up', '--help');
  assert.match(r.stdout, /--jwt-alg ALG +what signs them: HS256, HS384, HS512, RS256, ES256, EdDSA/);
});

test('up and run refuse a bad --realtime-profile before booting anything, naming the flag and the allowed values', () => {
  for (const name of ['up', 'run']) {
    const r = cli(name, '--realtime-profile', 'kind');
    assert.equal(r.status, 2, name);
    assert.equal(r.stderr.split('\n')[0], `syncwright ${name}: --realtime-profile must be one of faithful, ideal, got 'kind'`);
  }
});

test('load refuses an unknown script, a bad number and fan-out flags on throttle, naming them', () => {
  const unknown = cli('load', 'soak');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown load script 'soak' \(available: fanout, throttle\)/);
  const bad = cli('load', 'fanout', '--rate', 'fast');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--rate must be an integer/);
  const misplaced = cli('load', 'throttle', '--users', '3');
  assert.equal(misplaced.status, 2);
  assert.match(misplaced.stderr, /apply to fanout only/);
  const flag = cli('load', 'fanout', '--subscriber', '5');
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--subscriber/);
});

test('load refuses bad --segments, --emit and external-target flags in one line naming the flag, before anything runs', () => {
  const PACKAGE_JSON = path.resolve(BIN, '../../package.json');
  const ext = ['--supabase-url', 'http://127.0.0.1:1', '--anon-key', 'k', '--app-url', 'http://127.0.0.1:2'];
  const cases: [string[], string][] = [
    [['--segments', '0'], "--segments must be an integer from 1 to 64, got '0'"],
    [['--segments', 'two'], "--segments must be an integer from 1 to 64, got 'two'"],
    [['--emit', 'helm'], "--emit must be k6-operator, got 'helm'"],
    [['--emit-dir', 'k8s'], '--emit-dir needs --emit k6-operator'],
    [['--emit', 'k6-operator'], '--emit k6-operator needs an external target (--supabase-url, --anon-key, --app-url and --jwt-secret or --token-file): the pods cannot reach this machine\'s stack'],
    [['--supabase-url', 'http://127.0.0.1:1'], '--anon-key is missing: an external target needs --supabase-url, --anon-key and --app-url, and --jwt-secret or --token-file'],
    [['--jwt-secret', 's'], '--supabase-url is missing: an external target needs --supabase-url, --anon-key and --app-url, and --jwt-secret or --token-file'],
    [ext, "--jwt-secret or --token-file is missing: the external target's users need access tokens"],
    [[...ext, '--jwt-secret', 's', '--token-file', 't'], '--jwt-secret and --token-file both given: the users come from one of them'],
    [['--supabase-url', 'ftp://x', '--anon-key', 'k', '--app-url', 'http://a', '--jwt-secret', 's'], "--supabase-url must be an http(s) URL, got 'ftp://x'"],
    [[...ext, '--token-file', '/nonexistent/tokens.txt'], '--token-file /nonexistent/tokens.txt: cannot read it (ENOENT)'],
    [[...ext, '--token-file', PACKAGE_JSON], `--token-file ${PACKAGE_JSON}: line 1 is not a JWT (Invalid JWT)`],
    [[...ext, '--jwt-secret', 's', '--own-stack'], '--own-stack boots a local stack; an external target (--supabase-url) is used as it is'],
    [[...ext, '--jwt-secret', 's', '--profile'], "--profile profiles our Realtime server; an external target's is not on this machine"],
    [[...ext, '--jwt-secret', 's', '--users', '3'], "--users 3: the external target has 2 users to load as (--jwt-secret loads as the seed's alice and bob; more users need --token-file)"],
  ];
  for (const [args, line] of cases) {
    const r = cli('load', 'fanout', ...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.split('\n')[0], `syncwright load: ${line}`);
  }
  const throttle = cli('load', 'throttle', '--emit', 'k6-operator');
  assert.equal(throttle.status, 2);
  assert.match(throttle.stderr, /--emit applies to fanout only/);
});

test('load --help lists --segments, --emit and the external-target flags', () => {
  const r = cli('load', '--help');
  for (const flag of ['--segments N', '--emit k6-operator', '--emit-dir DIR', '--supabase-url URL', '--anon-key K', '--app-url URL', '--jwt-secret S', '--token-file F']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

test('up refuses a bad --provider before booting anything, naming the flag and the allowed values', () => {
  const r = cli('up', '--provider', 'docker');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.split('\n')[0], "syncwright up: --provider must be one of local, testcontainers, got 'docker'");
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
});

test('up --help lists --provider and its values; --realtime-profile is refused with the real server', () => {
  assert.match(cli('up', '--help').stdout, /--provider P +what runs Postgres and Realtime\. local \(default\)[\s\S]*testcontainers:/);
  const r = cli('up', '--provider', 'testcontainers', '--realtime-profile', 'ideal');
  assert.equal(r.status, 2);
  assert.match(r.stderr.split('\n')[0]!, /^syncwright up: --realtime-profile is for our own Realtime server \(--provider local\)/);
});
