import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';

// A file-system error while preparing a data dir, as one line naming the cause and the fix. Root
// ignores permission bits, so as root what really fails is a full disk, a read-only mount, or a file
// where a directory should be.

export function fsProblem(err: unknown, dir: string): Error {
  const e = err as NodeJS.ErrnoException;
  const at = e.path ?? dir;
  switch (e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new Error(`no space left on the disk holding ${dir}; free some space, or pass --data-dir on another disk`);
    case 'EROFS':
      return new Error(`${dir} is on a read-only file system; pass --data-dir on a writable disk`);
    case 'ENOTDIR':
    case 'EEXIST':
      return new Error(`${at} is a file where a directory is needed for ${dir}; pass --data-dir a directory (or move the file away)`);
    case 'EACCES':
    case 'EPERM':
      return new Error(`permission denied at ${at} while preparing ${dir}; pass --data-dir a directory you can write`);
    default:
      return e instanceof Error ? e : new Error(String(e));
  }
}

/**
 * mkdir -p, its failure explained. A recursive mkdir reports ENOENT for a read-only disk (it gives up
 * on the first missing parent); making that parent alone tells the true cause.
 */
export async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsProblem(err, dir);
    let first = dir;
    while (path.dirname(first) !== first && !(await exists(path.dirname(first)))) first = path.dirname(first);
    throw fsProblem(await mkdir(first).then(() => err, (e: unknown) => e), dir);
  }
}

const exists = (p: string) => access(p).then(() => true, () => false);
