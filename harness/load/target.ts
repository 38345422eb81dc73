// What a load script runs against: the stack `syncwright up` is running (its stack.json, found as
// harness/stack/state.ts says: under the current directory), one booted for this run with the
// script's Realtime limits, or an external target reached only by its URLs.
import type { ControlTarget } from '../faults/control-client.ts';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StackInfo } from '../schema/stack.ts';
import { bootStack, type Stack } from '../stack/up.ts';
import { alive } from '../stack/lock.ts';
import { readStackFile, stackFile, stateDir } from '../stack/state.ts';
import { loadLimits, type Limits } from '../realtime/limits.ts';
import pg from 'pg';
import { createLoadUsers, realtimeConfig, type LoadUser } from './users.ts';
import { createFile, deleteFile, fileUpdatedAtMs, signIn } from './app-api.ts';
import type { KnownUser } from './external.ts';
import { stackSigner } from '../stack/signing.ts';
import { ROOT } from '../root.ts';


/** What the k6 scripts are pointed at. */
export interface Endpoints { supabaseUrl: string; anonKey: string; appUrl: string }

export interface LoadTarget {
  info: Endpoints;
  /** Unknown for a running stack that did not record it, and for an external target: then nothing is sampled. */
  realtimePid?: number;
  limits: Limits;
  owned: boolean;
  /** Our own Realtime server's control endpoints (its accounts: GET /syncwright/v1/metrics); absent for an external target. */
  control?: ControlTarget;
  /** Reached only by its URLs (external.ts): no database, no process of ours. */
  external: boolean;
  /**
   * Up to `count` users (fewer when the target knows fewer), each with enough files that `writers`
   * writer VUs can each rename rows of their own, and an access token.
   */
  users(count: number, label: string, writers: number): Promise<LoadUser[]>;
  /** A file's updated_at in ms, as the target stores it. */
  updatedAtMs(user: LoadUser, fileId: string): Promise<number>;
  /** Closes what the target opened; stops the stack when it booted one. */
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** The stack `syncwright up` wrote, if its process is alive and its Realtime server and app answer. */
export async function runningStack(dir = stateDir()): Promise<StackInfo | undefined> {
  const info = await readStackFile(dir);
  if (!info) return undefined;
  if (info.pid !== undefined && !alive(info.pid)) return undefined;
  if (!(await healthy(`${info.supabaseUrl}/health`))) return undefined;
  if (info.appUrl && !(await healthy(`${info.appUrl}/api/health`))) return undefined;
  return info;
}

/**
 * A local stack: load users go straight into its database. It is someone else's to stop unless
 * `stopStack` is given (a stack booted for this run).
 */
function local(info: StackInfo & { appUrl: string }, realtimePid: number | undefined, limits: Limits, progress: (s: string) => void, stopStack?: () => Promise<void>): LoadTarget {
  let db: pg.Client | undefined;
  const connect = async () => {
    if (db) return db;
    db = new pg.Client(info.dbUrl);
    // It idles through the k6 run: a lost connection (a restarted Postgres) is said, not a crash.
    db.on('error', (err) => progress(`database connection lost: ${err.message}`));
    await db.connect();
    return db;
  };
  return {
    info, realtimePid, limits, owned: stopStack !== undefined, external: false,
    control: { supabaseUrl: info.supabaseUrl, serviceRoleKey: info.serviceRoleKey },
    async users(count, label, writers) {
      return createLoadUsers(await connect(), await stackSigner(info), count, label, Math.ceil(writers / count));
    },
    async updatedAtMs(_user, fileId) {
      const r = await (await connect()).query<{ ms: string }>(`select floor(extract(epoch from updated_at) * 1000)::bigint::text as ms from audio_files where id = $1`, [fileId]);
      return Number(r.rows[0]?.ms ?? -1);
    },
    async stop() {
      await db?.end().catch(() => {});
      await stopStack?.();
    },
  };
}

/** Why the target's Realtime server is not sampled (RSS, CPU), for the report's notes; undefined when it is. */
export function unsampledNote(t: LoadTarget): string | undefined {
  if (t.realtimePid !== undefined) return undefined;
  return t.external
    ? 'server RSS and CPU not sampled: the external target\'s processes are not on this machine'
    : 'server RSS and CPU not sampled: the running stack did not record its Realtime server\'s pid';
}

const configLimits = () => loadLimits(path.join(ROOT, 'supabase/config.toml'));

/** A stack this process booted with supabase/config.toml (syncwright run's shared stack); the caller stops it. */
export function targetOf(stack: Stack, progress: (s: string) => void = () => {}): LoadTarget {
  if (!stack.info.appUrl) throw new Error('the stack has no app; the writers go through its API');
  return local({ ...stack.info, appUrl: stack.info.appUrl }, stack.realtime.pid(), configLimits(), progress);
}

/**
 * A target reached only by its URLs, as its users: `known` (external.ts) with their tokens. Users
 * and files cannot be created there: the files the writers rename are made through the app's API
 * (sign-in through /dev/login) and deleted again on stop(), unless `keepFiles` (the manifests of
 * --emit need them to still be there when the cluster runs). Its limits are taken as
 * supabase/config.toml's.
 */
export function externalTarget(info: Endpoints, known: KnownUser[], progress: (s: string) => void, opts: { keepFiles?: boolean } = {}): LoadTarget {
  const sessions = new Map<string, string>();
  const session = async (id: string) => sessions.get(id) ?? sessions.set(id, await signIn(info.appUrl, id)).get(id)!;
  const created: { user: string; file: string }[] = [];
  return {
    info, limits: configLimits(), owned: false, external: true,
    async users(count, label, writers) {
      const chosen = known.slice(0, count);
      const files = Math.ceil(writers / chosen.length);
      return Promise.all(chosen.map(async (u) => {
        const cookie = await session(u.id);
        const ids: string[] = [];
        for (let n = 1; n <= files; n++) {
          const file = await createFile(info.appUrl, cookie, `syncwright-${label}-${n}.wav`);
          created.push({ user: u.id, file });
          ids.push(file);
        }
        return { id: u.id, token: u.token, files: ids };
      }));
    },
    async updatedAtMs(user, fileId) {
      return fileUpdatedAtMs(info.appUrl, await session(user.id), fileId);
    },
    async stop() {
      if (opts.keepFiles) return;
      // Tidying up is not the test: a file left behind is said, and the run's result stands.
      const left: string[] = [];
      for (const c of created.splice(0)) {
        try {
          await deleteFile(info.appUrl, await session(c.user), c.file);
        } catch (err) {
          left.push(`${c.file} (${(err as Error).message})`);
        }
      }
      if (left.length) progress(`${left.length} load file(s) could not be deleted: ${left.join('; ')}`);
    },
  };
}

/**
 * The running stack unless `ownStack`; otherwise (or when none runs) a stack booted with
 * `limits` as its [realtime] section. A running stack keeps the limits of supabase/config.toml.
 */
export async function loadTarget(opts: { ownStack?: boolean; limits: Record<string, number> }, progress: (s: string) => void): Promise<LoadTarget> {
  const running = opts.ownStack ? undefined : await runningStack();
  if (running) {
    if (!running.appUrl) throw new Error(`the running stack (${stackFile()}) has no app; the writers go through its API. Run 'syncwright up' with the app, or pass --own-stack`);
    progress(`using the running stack from ${path.relative(process.cwd(), stackFile())} (its limits: supabase/config.toml)`);
    return local({ ...running, appUrl: running.appUrl }, running.pids?.realtime, configLimits(), progress);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'syncwright-load-stack-'));
  const configPath = path.join(tmp, 'config.toml');
  await writeFile(configPath, realtimeConfig(opts.limits));
  progress(opts.ownStack ? 'booting a stack for this run' : 'no running stack: booting one for this run');
  const stack = await bootStack({ portBase: 0, workers: 0, configPath, onProgress: () => {} });
  if (!stack.info.appUrl) {
    await stack.stop();
    throw new Error('the reference app did not boot; the writers go through its API');
  }
  return local({ ...stack.info, appUrl: stack.info.appUrl }, stack.realtime.pid(), loadLimits(configPath), progress, () => stack.stop());
}
