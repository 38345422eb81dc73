// The CLI's contract with its users: every command has --help; a bad flag or name is named, exit 2,
// before anything boots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/syncwright.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

test('every command answers --help with its usage', () => {
  for (const name of ['up', 'run', 'repro', 'load', 'report', 'setup', 'bench']) {
    const r = cli(name, '--help');
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, /usage: syncwright/, name);
  }
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
