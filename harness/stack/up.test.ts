import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { decodeProtectedHeader, type JWK } from 'jose';
import pg from 'pg';
import WebSocket from 'ws';
import { StackInfo } from '../schema/stack.ts';
import { ROOT } from '../root.ts';

const BIN = path.join(ROOT, 'bin/syncwright.mjs');

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Runs `syncwright up` in its own working dir (so state dirs never collide) until it prints ready. */
async function up(cwd: string, args: string[] = ['--port-base', '0', '--no-app', '--workers', '0']) {
  const child = spawn(process.execPath, [BIN, 'up', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s:\n${err}`)), 60_000);
    const check = () => {
      const m = /^ready (.+)$/m.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    };
    child.stdout.on('data', check);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`up exited ${code} before ready:\n${err}`)); });
  });
  return { child, file: line, exited, stderr: () => err };
}

async function workdir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-up-test-'));
  // `up` resolves supabase/ and its caches from the repo, and state (.syncwright) from its cwd.
  return dir;
}

test('two stacks with --port-base 0 boot side by side; SIGTERM leaves no process behind', async () => {
  const [a, b] = await Promise.all([workdir(), workdir()]);
  const [sa, sb] = await Promise.all([up(a), up(b, ['--port-base', '0', '--no-app', '--workers', '0', '--realtime-profile', 'ideal'])]);
  const ia = StackInfo.parse(JSON.parse(await readFile(sa.file, 'utf8')));
  const ib = StackInfo.parse(JSON.parse(await readFile(sb.file, 'utf8')));
  assert.notEqual(ia.supabaseUrl, ib.supabaseUrl);
  assert.notEqual(ia.dbUrl, ib.dbUrl);
  assert.equal(ia.realtimeProfile, 'faithful', 'faithful by default');
  assert.equal(ib.realtimeProfile, 'ideal');
  assert.match(sb.stderr(), /booting Realtime \(profile ideal\)/);
  for (const info of [ia, ib]) {
    assert.equal((await fetch(`${info.supabaseUrl}/health`)).status, 200);
    assert.deepEqual(info.users.map((u) => u.email), ['alice@example.test', 'bob@example.test']);
  }
  const pids = (await import('node:child_process')).execFileSync('ps', ['-eo', 'pid,ppid']).toString()
    .split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter(([, ppid]) => ppid === sa.child.pid).map(([pid]) => pid!);
  assert.ok(pids.length >= 2, 'postgres and realtime are children of up');
  sa.child.kill('SIGTERM');
  sb.child.kill('SIGTERM');
  assert.equal(await sa.exited, 0);
  assert.equal(await sb.exited, 0);
  // An exited child can linger a moment as a zombie until it is reaped.
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) assert.equal(alive(pid), false, `child ${pid} survived`);
  await assert.rejects(readFile(sa.file), 'stack.json is removed on stop');
});

test('a stale lock from a killed run is explained and replaced, a live one is refused', async () => {
  const dir = await workdir();
  await mkdir(path.join(dir, '.syncwright'));
  await writeFile(path.join(dir, '.syncwright/up.lock'), '999999');
  const s = await up(dir);
  assert.match(s.stderr(), /removing stale lock .* dead pid 999999/);
  const second = spawn(process.execPath, [BIN, 'up', '--port-base', '0', '--no-app', '--workers', '0'], { cwd: dir });
  let err = '';
  second.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((r) => second.once('exit', r));
  assert.equal(code, 1);
  assert.match(err, new RegExp(`another 'syncwright up' \\(pid ${s.child.pid}\\)`));
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0);
});

test('a bad flag is named and changes nothing', async () => {
  const child = spawn(process.execPath, [BIN, 'up', '--port-base', 'abc'], { cwd: await workdir() });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  assert.equal(await new Promise((r) => child.once('exit', r)), 2);
  assert.match(err, /--port-base must be an integer/);
});

test('up --jwt-alg ES256 signs every key and token with a published key pair that Realtime verifies', { timeout: 120_000 }, async () => {
  const s = await up(await workdir(), ['--port-base', '0', '--no-app', '--workers', '0', '--jwt-alg', 'ES256']);
  try {
    const info = StackInfo.parse(JSON.parse(await readFile(s.file, 'utf8')));
    assert.equal(info.jwtAlg, 'ES256');
    assert.equal(info.jwksUrl, `${info.supabaseUrl}/auth/v1/.well-known/jwks.json`);
    const { keys } = await (await fetch(info.jwksUrl!)).json() as { keys: JWK[] };
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.d, undefined, 'the JWKS holds the public key only');
    for (const token of [info.anonKey, info.serviceRoleKey, ...info.users.map((u) => u.accessToken)]) {
      assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', typ: 'JWT', kid: keys[0]!.kid });
    }
    assert.equal(info.jwtSigningKey?.kid, keys[0]!.kid);
    assert.match(info.publishableKey ?? '', /^sb_publishable_/);

    // An app's client: the publishable key, and alice's access token for RLS.
    const alice = info.users.find((u) => u.email === 'alice@example.test')!;
    const sb = createClient(info.supabaseUrl, info.publishableKey!, {
      accessToken: async () => alice.accessToken,
      realtime: { transport: WebSocket as never },
    });
    await sb.realtime.setAuth();
    const got: { new: { user_id: string } }[] = [];
    const acked = new Promise<void>((resolve) => {
      sb.channel('es256').on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never, (p: { new: { user_id: string } }) => got.push(p))
        .on('system' as never, {} as never, (p: { message: string }) => { if (p.message === 'Subscribed to PostgreSQL') resolve(); })
        .subscribe();
    });
    await acked;
    const db = new pg.Client(info.dbUrl);
    await db.connect();
    await db.query(`insert into audio_files (user_id, name) values ($1, 'es256.wav')`, [alice.id]);
    await db.end();
    for (let i = 0; i < 100 && !got.length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(got[0]?.new.user_id, alice.id);
    await sb.removeAllChannels();
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

test('a bad --jwt-alg is one line naming the flag and the allowed values, exit 2, no stack trace', async () => {
  const child = spawn(process.execPath, [BIN, 'up', '--jwt-alg', 'nope'], { cwd: await workdir() });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  assert.equal(await new Promise((r) => child.once('exit', r)), 2);
  assert.equal(err.split('\n')[0], "syncwright up: --jwt-alg must be one of HS256, HS384, HS512, RS256, ES256, EdDSA, got 'nope'");
  assert.doesNotMatch(err, /^\s+at /m);
});

test('a free port taken before its server bound it is picked again, as Node or the Realtime process says so', async () => {
  const { onFreshPort } = await import('./up.ts');
  for (const said of ['listen EADDRINUSE: address already in use 127.0.0.1:40683', 'the Realtime server exited during start-up; its last lines:\n  | realtime: port 40683 is already taken by another process; stop it, or pick another port']) {
    let tries = 0;
    let repicked = 0;
    const started = await onFreshPort(0, async () => { if (tries++ === 0) throw new Error(said); return 'up'; }, async () => { repicked++; });
    assert.equal(started, 'up');
    assert.equal(repicked, 1);
  }
  // Fixed ports are the user's: refused, never moved.
  await assert.rejects(onFreshPort(undefined, async () => { throw new Error('listen EADDRINUSE'); }, async () => {}), /EADDRINUSE/);
  // Any other failure is not retried.
  await assert.rejects(onFreshPort(0, async () => { throw new Error('migrations failed'); }, async () => {}), /migrations failed/);
});
