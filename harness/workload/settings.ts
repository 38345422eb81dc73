/** The random workload's knobs, read once from the environment `syncwright run|explore|repro` sets. */
import { DEFAULT_CLIENTS, type WorkloadShape } from './ops.ts';

/** Operations a run has at most unless told otherwise: what `syncwright run` and the planted-bug matrix run. */
export const DEFAULT_OPS = 100;

export interface WorkloadSettings extends WorkloadShape {
  seed: number; seeds: number; minOps: number; maxOps: number; shrink: boolean; timeoutMs: number;
  /** Jepsen's time limit (SYNCWRIGHT_RUN_SECONDS, explore's): no step of a run starts after it; none if undefined. */
  runMs?: number;
  /** Only the first this many of the generated steps run (SYNCWRIGHT_RANDOM_STEPS): a time-limited run's replay. */
  steps?: number;
}

function int(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${key} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return n;
}

/** A first seed for a run that names none (SYNCWRIGHT_SEED): playwright.config.ts, and a sharded `syncwright run`, which lists and runs with one. */
export function drawSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

export function workloadSettings(env: NodeJS.ProcessEnv): WorkloadSettings {
  const maxOps = int(env, 'SYNCWRIGHT_RANDOM_OPS', DEFAULT_OPS, 1, 100_000);
  return {
    seed: int(env, 'SYNCWRIGHT_SEED', 1, 0, 2 ** 31 - 1),
    seeds: int(env, 'SYNCWRIGHT_RANDOM_SEEDS', 1, 1, 10_000),
    clients: int(env, 'SYNCWRIGHT_CLIENTS', DEFAULT_CLIENTS, 4, 8),
    processFaults: env.SYNCWRIGHT_PROCESS_FAULTS === '1',
    minOps: Math.min(maxOps, Math.ceil(maxOps / 2)),
    maxOps,
    shrink: env.SYNCWRIGHT_SHRINK === '1',
    timeoutMs: int(env, 'SYNCWRIGHT_RANDOM_TIMEOUT_S', 240, 60, 86_400) * 1000,
    ...(env.SYNCWRIGHT_RUN_SECONDS ? { runMs: int(env, 'SYNCWRIGHT_RUN_SECONDS', 0, 5, 86_400) * 1000 } : {}),
    ...(env.SYNCWRIGHT_RANDOM_STEPS ? { steps: int(env, 'SYNCWRIGHT_RANDOM_STEPS', 0, 1, 100_000) } : {}),
  };
}

/**
 * The command that replays one run exactly: its seed, and every setting that changes what the seed
 * generates (operations, clients, process faults) or how much of it ran (a time-limited run's steps).
 */
export function reproCommand(r: { seed: number; maxOps: number; clients: number; processFaults: boolean; steps?: number; planted?: string }): string {
  return [
    `npx syncwright repro random --seed ${r.seed}`,
    ...(r.maxOps === DEFAULT_OPS ? [] : [`--ops ${r.maxOps}`]),
    ...(r.clients === DEFAULT_CLIENTS ? [] : [`--clients ${r.clients}`]),
    ...(r.processFaults ? ['--process-faults'] : []),
    ...(r.steps === undefined ? [] : [`--steps ${r.steps}`]),
    ...(r.planted ? [`--planted ${r.planted}`] : []),
  ].join(' ');
}

/** How a run that could not be judged reports itself (scenarios/random.spec.ts): no checker's verdict, nothing checked. */
export const NOT_COMPLETED = 'the run did not complete';
/** How a run that hit its time limit reports itself (scenarios/random.spec.ts): unfinished, not failed (explore). */
export const INTERRUPTED = 'interrupted at its time limit';
