import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { JWK } from 'jose';
import { spawnChild, waitForHealth } from './children.ts';
import type { AppHandle } from './up.ts';
import { alive } from './lock.ts';
import { ROOT } from '../root.ts';

const WEB = path.join(ROOT, 'reference/web');
const NEXT_BIN = path.join(ROOT, 'node_modules/next/dist/bin/next');

export interface AppOptions {
  port: number;
  dbUrl: string;
  supabaseUrl: string;
  anonKey: string;
  jwtSecret: string;
  /** The alg access tokens are signed with, and for RS256/ES256/EdDSA the private JWK (kid, alg) to sign them with. */
  jwtAlg?: string;
  signingJwk?: JWK;
  dataDir: string;
  env?: Record<string, string>;
  onLog?: (line: string) => void;
  onProgress?: (line: string) => void;
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // next-env.d.ts is written by next build itself (and ignored by git): hashed, it made the second
    // boot after a fresh clone's first build rebuild the unchanged app.
    if (['.next', 'node_modules', 'next-env.d.ts'].includes(entry.name)) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await sources(p));
    else out.push(p);
  }
  return out.sort();
}

/**
 * A hash of everything the build reads: the app's sources, the planted-bug names it imports from
 * outside its folder (reference/planted.ts), and the lock file. Not the harness's catalogue of what
 * each bug breaks and its seeds: the app never reads it, so editing it must not cost a `next build`.
 * Nor the Node version: the output is plain JavaScript (SWC is a Node-API addon, the same binary on
 * every Node), so a build made on Node 20 serves Node 22 and 24 too, as .ci/run's gate on Node 24 does.
 */
export async function sourceHash(): Promise<string> {
  const h = createHash('sha256');
  for (const f of [...await sources(WEB), path.join(ROOT, 'reference/planted.ts'), path.join(ROOT, 'package-lock.json')]) {
    h.update(path.relative(ROOT, f)).update(await readFile(f));
  }
  return h.digest('hex').slice(0, 16);
}

/** `next build` once per source hash; the hash is stamped into .next so an unchanged app is not rebuilt. */
export async function buildApp(progress: (s: string) => void = () => {}, onLog?: (s: string) => void): Promise<void> {
  const hash = await sourceHash();
  const stamp = path.join(WEB, '.next/syncwright-build-hash');
  const cached = async () => existsSync(stamp) && (await readFile(stamp, 'utf8')) === hash;
  if (await cached()) {
    progress(`app build ${hash} is cached`);
    return;
  }
  // Two runs booting at once must not both run `next build` in the same folder: the second waits.
  const release = await buildLock(progress);
  try {
    if (await cached()) {
      progress(`app build ${hash} was built meanwhile by another run`);
      return;
    }
    await runBuild(hash, stamp, progress, onLog);
  } finally {
    await release();
  }
}

async function buildLock(progress: (s: string) => void): Promise<() => Promise<void>> {
  const file = path.join(WEB, '.next-build.lock');
  const started = Date.now();
  for (;;) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch {
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) {
        progress(`removing a stale app build lock left by pid ${pid || '?'}`);
        await rm(file, { force: true });
        continue;
      }
      if ((Date.now() - started) % 20_000 < 1000) progress(`waiting for another run's app build (pid ${pid})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function runBuild(hash: string, stamp: string, progress: (s: string) => void, onLog?: (s: string) => void): Promise<void> {
  progress(`building the reference app (next build, ${hash}); this takes a minute or two on 2 cores…`);
  const started = Date.now();
  const ticker = setInterval(() => progress(`still building the app (${Math.round((Date.now() - started) / 1000)} s)`), 20_000);
  let output = '';
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [NEXT_BIN, 'build'], {
      cwd: WEB, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const take = (d: Buffer) => { output += d; onLog?.(String(d).trimEnd()); };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    // Without a listener a failed spawn (e.g. EMFILE) would kill `up`; it is a failed build instead.
    child.once('error', (e) => { output += `\n${e.message}`; resolve(null); });
    child.once('exit', resolve);
  });
  clearInterval(ticker);
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.slice(-4000)}`);
  await mkdir(path.dirname(stamp), { recursive: true });
  await writeFile(stamp, hash);
  progress(`app built in ${Math.round((Date.now() - started) / 1000)} s`);
}

export async function startApp(opts: AppOptions): Promise<AppHandle> {
  await buildApp(opts.onProgress, opts.onLog);
  let stopping = false;
  let onCrash: (why: string) => void = () => {};
  const crashed = new Promise<string>((resolve) => { onCrash = resolve; });
  const child = spawnChild({
    name: 'app',
    command: process.execPath,
    args: [NEXT_BIN, 'start', '-p', String(opts.port), '-H', '127.0.0.1'],
    cwd: WEB,
    env: {
      NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', SYNCWRIGHT_DEV_LOGIN: '1',
      DATABASE_URL: opts.dbUrl, SUPABASE_JWT_SECRET: opts.jwtSecret,
      ...(opts.jwtAlg ? { SUPABASE_JWT_ALG: opts.jwtAlg } : {}),
      ...(opts.signingJwk ? { SUPABASE_JWT_SIGNING_JWK: JSON.stringify(opts.signingJwk) } : {}),
      NEXT_PUBLIC_SUPABASE_URL: opts.supabaseUrl, NEXT_PUBLIC_SUPABASE_ANON_KEY: opts.anonKey,
      SYNCWRIGHT_DATA_DIR: opts.dataDir, ...opts.env,
    },
    onLog: opts.onLog,
  });
  void child.exited.then((code) => { if (!stopping) onCrash(`app exited with code ${code}`); });
  const url = `http://127.0.0.1:${opts.port}`;
  await waitForHealth(`${url}/api/health`, child, 60_000, 'the reference app');
  return { url, pid: child.pid, crashed, async stop() { stopping = true; await child.stop(); } };
}
