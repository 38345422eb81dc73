// What a load script runs against: the stack `syncwright up` is running (its stack.json, found as
// harness/stack/state.ts says: under the current directory), or one booted for this run with the
// script's Realtime limits.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StackInfo } from '../schema/stack.ts';
import { bootStack, type Stack } from '../stack/up.ts';
import { alive } from '../stack/lock.ts';
import { readStackFile, stackFile, stateDir } from '../stack/state.ts';
import { loadLimits, type Limits } from '../realtime/limits.ts';
import { realtimeConfig } from './users.ts';
import { ROOT } from '../root.ts';


export interface LoadTarget {
  info: StackInfo & { appUrl: string };
  /** Unknown for a running stack that did not record it: then nothing is sampled. */
  realtimePid?: number;
  limits: Limits;
  owned: boolean;
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

/** A stack someone else runs with supabase/config.toml's limits: it is theirs to stop. */
function configured(info: StackInfo & { appUrl: string }, realtimePid: number | undefined): LoadTarget {
  return { info, realtimePid, limits: loadLimits(path.join(ROOT, 'supabase/config.toml')), owned: false, async stop() {} };
}

/** A stack this process booted with supabase/config.toml (syncwright run's shared stack); the caller stops it. */
export function targetOf(stack: Stack): LoadTarget {
  if (!stack.info.appUrl) throw new Error('the stack has no app; the writers go through its API');
  return configured({ ...stack.info, appUrl: stack.info.appUrl }, stack.realtime.pid());
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
    return configured({ ...running, appUrl: running.appUrl }, running.pids?.realtime);
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
  return { info: { ...stack.info, appUrl: stack.info.appUrl }, realtimePid: stack.realtime.pid(), limits: loadLimits(configPath), owned: true, stop: () => stack.stop() };
}
