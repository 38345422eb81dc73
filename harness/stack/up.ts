import { existsSync } from 'node:fs';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StackInfo, type StackUser } from '../schema/stack.ts';
import { DEFAULT_JWT_SECRET, DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, mintAnonKey, mintServiceRoleKey, mintUserToken } from './keys.ts';
import { JWKS_PATH, isAsymmetric, projectKeys, type JwtAlg, type ProjectKeys } from './signing.ts';
import { freePort, portInUse, resolvePorts, type Ports } from './ports.ts';
import { startPostgres, type PostgresHandle, type PostgresOptions } from './postgres.ts';
import { makeDir } from './fs-problem.ts';
import { loadLimits, type Limits } from '../realtime/limits.ts';
import type { ApiKeys } from '../realtime/gateway.ts';
import { applyMigrations, applySeed } from './migrate.ts';
import { startRealtimeProcess, type RealtimeProcess } from './realtime.ts';
import { DEFAULT_PROFILE, type Profile } from '../realtime/profile.ts';
import { ALICE, BOB } from './seed-users.ts';
import { ROOT } from '../root.ts';


export interface AppHandle { url: string; pid: number; stop(): Promise<void>; crashed?: Promise<string> }
export interface WorkerHandle { id: string; pid: number; stop(): Promise<void>; kill(signal?: NodeJS.Signals): void; restart?(): Promise<void>; crashed?: Promise<string> }

export interface BootOptions {
  portBase?: number;
  keep?: boolean;
  dataDir?: string;
  jwtSecret?: string;
  /** What signs the keys and tokens (default HS256, with jwtSecret); RS256, ES256 and EdDSA mint a key pair (signing.ts). */
  jwtAlg?: JwtAlg;
  app?: boolean;
  workers?: number;
  /** A Supabase config.toml for the Realtime limits (default supabase/config.toml). */
  configPath?: string;
  /** Extra environment for the app, worker and Realtime server, e.g. SYNC_PLANTED or SYNCWRIGHT_ACCESS_TOKEN_TTL_S. */
  env?: Record<string, string>;
  onProgress?: (line: string) => void;
  onLog?: (line: string) => void;
  /** How faithfully the Realtime server fails (default faithful); written to stack.json. */
  realtimeProfile?: Profile;
  /** Where Postgres's binaries, cache and reachable home are (tests put them elsewhere). */
  postgres?: Pick<PostgresOptions, 'binDir' | 'homeBase' | 'cacheDir'>;
}

export interface Stack {
  info: StackInfo;
  ports: Ports;
  postgres: PostgresHandle;
  realtime: RealtimeProcess;
  app?: AppHandle;
  workers: WorkerHandle[];
  timings: [string, number][];
  /** Resolves with a reason when any part dies unasked. */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

async function optionalModule<T>(file: string): Promise<T | undefined> {
  if (!existsSync(path.join(ROOT, 'harness/stack', file))) return undefined;
  return (await import(`./${file}`)) as T;
}

/** How a start says its port was taken: Node's error, or the Realtime process's own line (harness/realtime/main.ts). */
const PORT_TAKEN = /EADDRINUSE|port \d+ is already taken/;

/**
 * A free port can be taken between picking it and binding it (outgoing connections draw from the
 * same ephemeral range): in free-port mode, a start that fails because its port was taken gets one
 * more try on a newly picked port.
 */
export async function onFreshPort<T>(portBase: number | undefined, start: () => Promise<T>, repick: () => Promise<void>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (portBase !== 0 || !PORT_TAKEN.test((err as Error).message)) throw err;
    await repick();
    return start();
  }
}

const PORT_NAMES: [keyof Ports, string][] = [['api', 'Realtime API'], ['db', 'Postgres'], ['app', 'reference app']];

/** Fixed ports someone else holds are named before anything boots (free-port mode re-picks instead). */
export async function refuseTakenPorts(ports: Ports, app: boolean): Promise<void> {
  for (const [key, what] of PORT_NAMES) {
    if (key === 'app' && !app) continue;
    if (await portInUse(ports[key])) {
      throw new Error(`port ${ports[key]} (${what}) is already taken by another process (another stack? a killed run?); stop it, or pick other ports with --port-base N (0 picks free ones)`);
    }
  }
}

/** The data dir: a new temp dir, or the user's, made if missing (and then ours to remove on failure). */
export async function prepareDataDir(asked: string | undefined): Promise<{ dataDir: string; created: boolean }> {
  if (!asked) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-'));
    // mkdtemp makes it 0700; as root, Postgres runs as user postgres and must enter it.
    await chmod(dataDir, 0o755);
    return { dataDir, created: true };
  }
  const dataDir = path.resolve(asked);
  const created = !existsSync(dataDir);
  await makeDir(dataDir);
  return { dataDir, created };
}

/** What both providers boot with: settings checked, keys minted, ports and data dir taken, and the teardown. */
export interface BootContext {
  progress: (line: string) => void;
  log: (line: string) => void;
  /** Times the phase since the last one (stack timings, progress lines). */
  phase: (name: string) => void;
  timings: [string, number][];
  jwtSecret: string;
  configPath: string;
  limits: Limits;
  keys: ProjectKeys;
  anonKey: string;
  serviceRoleKey: string;
  apiKeys: ApiKeys;
  ports: Ports;
  dataDir: string;
  /** Run in reverse by stopAll; each part pushes its stop once started. */
  stops: (() => Promise<void>)[];
  /** Stops what started; removes the data dir as the rules in prepareDataDir say (`booted`: the stack was handed out). */
  stopAll: (booted: boolean) => Promise<void>;
  /** Stamps the total time; call once the stack is up. */
  done: () => void;
}

/**
 * Everything a user can get wrong is checked before anything boots, so a mistake costs no clean-up:
 * the config, the keys, then `preflight` (the testcontainers provider's Docker check), then the
 * ports; only then is the data dir made.
 */
export async function beginBoot(opts: BootOptions, preflight: () => Promise<void> = async () => {}): Promise<BootContext> {
  const progress = opts.onProgress ?? (() => {});
  const log = opts.onLog ?? (() => {});
  const timings: [string, number][] = [];
  const t0 = performance.now();
  let mark = t0;
  const phase = (name: string) => {
    const now = performance.now();
    timings.push([name, Math.round(now - mark)]);
    progress(`${name} ${Math.round(now - mark)} ms`);
    mark = now;
  };
  const jwtSecret = opts.jwtSecret ?? DEFAULT_JWT_SECRET;
  const configPath = opts.configPath ?? path.join(ROOT, 'supabase/config.toml');
  const limits = loadLimits(configPath);
  const keys = await projectKeys(opts.jwtAlg ?? 'HS256', jwtSecret);
  const [anonKey, serviceRoleKey] = await Promise.all([mintAnonKey(keys.signer), mintServiceRoleKey(keys.signer)]);
  // The opaque keys the gateway stand-in swaps for these JWTs, as the real gateway does (realtime/gateway.ts).
  const apiKeys = { [DEFAULT_PUBLISHABLE_KEY]: anonKey, [DEFAULT_SECRET_KEY]: serviceRoleKey };
  await preflight();
  const ports = await resolvePorts(opts.portBase);
  if (opts.portBase !== 0) await refuseTakenPorts(ports, opts.app !== false);
  const { dataDir, created } = await prepareDataDir(opts.dataDir);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (booted: boolean) => {
    for (const stop of stops.reverse()) await stop().catch((e) => log(`stop: ${(e as Error).message}`));
    // A failed boot removes the data dir it made; a stop removes only the temp one, unless --keep.
    if (booted ? !opts.keep && !opts.dataDir : created) await rm(dataDir, { recursive: true, force: true });
  };
  return {
    progress, log, phase, timings, jwtSecret, configPath, limits, keys, anonKey, serviceRoleKey, apiKeys, ports, dataDir, stops, stopAll,
    done: () => { timings.push(['total', Math.round(performance.now() - t0)]); },
  };
}

/** The reference app and workers, against the stack's database and Supabase URL, whichever provider runs those. */
export async function startClients(ctx: BootContext, opts: BootOptions, dbUrl: string, supabaseUrl: string, crashes: Promise<string>[]): Promise<{ app?: AppHandle; workers: WorkerHandle[] }> {
  const { ports, progress, log, phase, stops, keys, dataDir } = ctx;
  let app: AppHandle | undefined;
  if (opts.app !== false) {
    const mod = await optionalModule<{ startApp(o: object): Promise<AppHandle> }>('app.ts');
    if (!mod) progress('app: harness/stack/app.ts not present, skipping the reference app');
    else {
      progress(`booting the reference app on 127.0.0.1:${ports.app}`);
      const startOne = () => mod.startApp({
        port: ports.app, dbUrl, supabaseUrl, anonKey: ctx.anonKey, jwtSecret: ctx.jwtSecret, jwtAlg: keys.alg, signingJwk: keys.privateJwk,
        dataDir: path.join(dataDir, 'files'), env: opts.env, onLog: log, onProgress: progress,
      });
      app = await onFreshPort(opts.portBase, startOne, async () => {
        ports.app = await freePort();
        progress(`port taken meanwhile; booting the reference app on 127.0.0.1:${ports.app}`);
      });
      stops.push(() => app!.stop());
      if (app.crashed) crashes.push(app.crashed);
      phase('app');
    }
  }
  const workers: WorkerHandle[] = [];
  const count = opts.workers ?? 1;
  if (count > 0) {
    const mod = await optionalModule<{ startWorker(o: object): Promise<WorkerHandle> }>('worker.ts');
    if (!mod) progress('worker: harness/stack/worker.ts not present, skipping the worker');
    else {
      for (let i = 0; i < count; i++) {
        const w = await mod.startWorker({ dbUrl, dataDir: path.join(dataDir, 'files'), id: `worker-${i + 1}`, env: opts.env, onLog: log });
        workers.push(w);
        stops.push(() => w.stop());
        if (w.crashed) crashes.push(w.crashed);
      }
      phase(`workers (${count})`);
    }
  }
  return { app, workers };
}

/** The seed users, each with an access token signed as the stack's keys are. */
export function stackUsers(keys: ProjectKeys): Promise<StackUser[]> {
  return Promise.all([ALICE, BOB].map(async (u) => ({ ...u, accessToken: await mintUserToken(keys.signer, u, 24 * 3600) })));
}

/** Boots Postgres → migrations → seed → Realtime → app → workers, each health-checked. */
export async function bootStack(opts: BootOptions = {}): Promise<Stack> {
  const realtimeProfile = opts.realtimeProfile ?? DEFAULT_PROFILE;
  const ctx = await beginBoot(opts);
  const { progress, log, phase, ports, dataDir, stops, keys, jwtSecret, configPath, apiKeys } = ctx;
  try {
    progress(`booting Postgres 17 on 127.0.0.1:${ports.db}`);
    const postgres = await startPostgres({ port: ports.db, dataDir: path.join(dataDir, 'pg'), keep: opts.keep, onLog: log, ...opts.postgres });
    stops.push(() => postgres.stop());
    phase('postgres');
    const { applied } = await applyMigrations(postgres.url, path.join(ROOT, 'supabase/migrations'));
    await applySeed(postgres.url, path.join(ROOT, 'supabase/seed.sql'));
    phase(`migrations (${applied.length}) + seed`);

    progress(`booting Realtime (profile ${realtimeProfile}) on 127.0.0.1:${ports.api}`);
    const startRt = () => startRealtimeProcess({
      port: ports.api, dbUrl: postgres.url, jwtSecret, jwks: isAsymmetric(keys.alg) ? keys.jwks : undefined, apiKeys, dir: dataDir, configPath, env: opts.env, onLog: log, profile: realtimeProfile,
    });
    const realtime = await onFreshPort(opts.portBase, startRt, async () => {
      ports.api = await freePort();
      progress(`port taken meanwhile; booting Realtime on 127.0.0.1:${ports.api}`);
    });
    stops.push(() => realtime.stop());
    phase('realtime');

    const crashes: Promise<string>[] = [realtime.crashed];
    const { app, workers } = await startClients(ctx, opts, postgres.url, realtime.url, crashes);

    const info = StackInfo.parse({
      supabaseUrl: realtime.url, anonKey: ctx.anonKey, serviceRoleKey: ctx.serviceRoleKey, jwtSecret, dbUrl: postgres.url,
      jwtAlg: keys.alg, jwksUrl: `${realtime.url}${JWKS_PATH}`, ...(keys.privateJwk ? { jwtSigningKey: keys.privateJwk } : {}),
      publishableKey: DEFAULT_PUBLISHABLE_KEY, secretKey: DEFAULT_SECRET_KEY,
      ...(app ? { appUrl: app.url } : {}), users: await stackUsers(keys), provider: 'local', realtimeProfile, ports, dataDir, pid: process.pid,
      pids: { realtime: realtime.pid(), ...(app ? { app: app.pid } : {}) },
    });
    ctx.done();
    let stopped: Promise<void> | undefined;
    return {
      info, ports, postgres, realtime, app, workers, timings: ctx.timings,
      crashed: Promise.race(crashes),
      stop: () => (stopped ??= ctx.stopAll(true)),
    };
  } catch (err) {
    await ctx.stopAll(false);
    throw err;
  }
}
