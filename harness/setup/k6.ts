import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The newest stable k6 the Go module proxy serves here (v2 lives at go.k6.io/k6/v2; v1.2.0 is
// retracted). v2.3.0 is listed but its source zip is refused by the proxy ("not available").
export const K6_MODULE = 'go.k6.io/k6/v2';
export const K6_VERSION = 'v2.2.0';

export function k6BinDir(): string {
  return process.env.SYNCWRIGHT_BIN_DIR ?? path.join(os.homedir(), '.cache/syncwright/bin');
}

export function k6Path(): string {
  return path.join(k6BinDir(), 'k6');
}

export async function installedK6Version(): Promise<string | undefined> {
  if (!existsSync(k6Path())) return undefined;
  try {
    const { stdout } = await run(k6Path(), ['version']);
    return /v?(\d+\.\d+\.\d+)/.exec(stdout)?.[0];
  } catch {
    return undefined;
  }
}

/** Builds the pinned k6 with `go install` once; a matching binary already in the cache is kept. */
export async function ensureK6(progress: (s: string) => void): Promise<string> {
  const have = await installedK6Version();
  if (have && `v${have.replace(/^v/, '')}` === K6_VERSION) {
    progress(`k6 ${K6_VERSION} present at ${k6Path()}`);
    return k6Path();
  }
  try {
    await run('go', ['version']);
  } catch {
    throw new Error(`k6 ${K6_VERSION} is missing and Go is not installed: install Go ≥ 1.26 (it builds k6 with 'go install ${K6_MODULE}@${K6_VERSION}'), or put a k6 ${K6_VERSION} binary at ${k6Path()}`);
  }
  progress(`building k6 ${K6_VERSION} with go install (a few minutes on 2 cores) into ${k6BinDir()}`);
  const started = Date.now();
  // `go install module@version` first fetches the module's version list to check deprecation, and
  // the proxy here answers 404 for go.k6.io/k6/v2's list. Pinning it in a throwaway main module and
  // installing from there builds the same binary without that lookup.
  const buildDir = path.join(k6BinDir(), '..', `k6-build-${K6_VERSION}`);
  await mkdir(buildDir, { recursive: true });
  if (!existsSync(path.join(buildDir, 'go.mod'))) {
    await writeFile(path.join(buildDir, 'go.mod'), 'module syncwright.local/k6build\n\ngo 1.26\n');
  }
  const env = { ...process.env, GOBIN: k6BinDir(), GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() };
  const go = (args: string[]) => new Promise<void>((resolve, reject) => {
    const child = spawn('go', args, { cwd: buildDir, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const ticker = setInterval(() => progress(`still running go ${args[0]} (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
    child.once('error', (e) => {
      clearInterval(ticker);
      reject(new Error(`cannot run go (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is not installed' : e.message}); install Go (apt-get install golang-go) and run syncwright setup again`));
    });
    child.once('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go ${args.join(' ')} failed with code ${code}`));
    });
  });
  await go(['get', `${K6_MODULE}@${K6_VERSION}`]);
  await go(['install', K6_MODULE]);
  const built = await installedK6Version();
  if (!built) throw new Error(`k6 was built but '${k6Path()} version' does not answer`);
  progress(`k6 ${built} built in ${Math.round((Date.now() - started) / 1000)} s`);
  return k6Path();
}
