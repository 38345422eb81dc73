import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MUTANTS, type Mutant } from '../../reference/mutants.ts';
import { bootStack } from '../stack/up.ts';
import { readResults, runPlaywright, type SpecResult } from './playwright.ts';

export interface MutantResult { mutant: string; scenario: string; caught: boolean; detail: string; durationMs: number }

/**
 * SYNCWRIGHT_MATRIX_CONCURRENCY: mutants run at once, each with its own stack and browser. Default 2
 * on this 2-core class of machine: it took the matrix from about 5 to 3 minutes, and every mutant
 * failed on the same assertion as when run alone; set 1 to rule contention out.
 */
export function matrixConcurrency(): number {
  const n = Number(process.env.SYNCWRIGHT_MATRIX_CONCURRENCY ?? 2);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`SYNCWRIGHT_MATRIX_CONCURRENCY must be an integer from 1 to 8, got '${process.env.SYNCWRIGHT_MATRIX_CONCURRENCY}'`);
  return n;
}

/**
 * A scenario is proven only once seen to fail: each planted bug runs against the scenario that
 * claims to catch it, and must make it fail on an assertion (not on a boot error).
 */
export async function runMutantMatrix(progress: (s: string) => void, only?: string[], concurrency = 1): Promise<MutantResult[]> {
  const todo = MUTANTS.filter((x) => !only?.length || only.includes(x.name));
  const shared = todo.filter((m) => !m.ownStack);
  const own = todo.filter((m) => m.ownStack);
  const byName = new Map<string, MutantResult>();
  if (shared.length) for (const r of await runShared(shared, progress, concurrency)) byName.set(r.mutant, r);
  let next = 0;
  // Each lane runs one own-stack mutant at a time (its own stack and browser).
  const lane = async () => {
    for (let i = next++; i < own.length; i = next++) byName.set(own[i]!.name, await runOne(own[i]!, progress));
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return todo.map((m) => byName.get(m.name)!);
}

/** What a mutant's failed tests say: caught on an assertion, or only on infrastructure (not caught). */
function verdict(m: Mutant, failed: SpecResult[], code: number | undefined, durationMs: number): MutantResult {
  const infra = failed.length === 0 || failed.every((f) => /bootStack|did not become healthy|exited during start-up/.test(f.error ?? ''));
  const caught = code !== 0 && !infra;
  // eslint-disable-next-line no-control-regex
  const plain = (failed[0]?.error ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const detail = plain.split('\n').find((l) => l.trim())?.trim().slice(0, 200) ?? (failed.length === 0 ? 'all scenarios passed' : `exit ${code}`);
  return { mutant: m.name, scenario: m.caughtBy, caught, detail, durationMs };
}

/**
 * The mutants a browser can switch on (`/dev/login?mutant=`) share one stack and one Playwright run,
 * a project each: no stack boot per mutant.
 */
async function runShared(mutants: Mutant[], progress: (s: string) => void, concurrency: number): Promise<MutantResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-matrix-'));
  progress(`booting one stack for ${mutants.length} mutants switched on per browser`);
  const stack = await bootStack({ portBase: 0, onProgress: () => {} });
  try {
    const i = stack.info;
    progress(`mutants ${mutants.map((m) => m.name).join(', ')}`);
    await runPlaywright([], {
      SYNCWRIGHT_MATRIX: mutants.map((m) => m.name).join(','), SYNCWRIGHT_WORKERS: String(concurrency),
      SYNCWRIGHT_APP_URL: i.appUrl!, SYNCWRIGHT_SUPABASE_URL: i.supabaseUrl, SYNCWRIGHT_ANON_KEY: i.anonKey,
      SYNCWRIGHT_SERVICE_ROLE_KEY: i.serviceRoleKey, SYNCWRIGHT_JWT_SECRET: i.jwtSecret, SYNCWRIGHT_DB_URL: i.dbUrl,
      SYNCWRIGHT_REPORT_DIR: dir, SYNCWRIGHT_TRACE: 'off',
    }, { quiet: true });
  } finally {
    await stack.stop();
  }
  const specs = await readResults(dir).catch(() => [] as SpecResult[]);
  return mutants.map((m) => {
    const mine = specs.filter((s) => s.project === m.name);
    const failed = mine.filter((s) => s.status === 'failed');
    const r = verdict(m, failed, failed.length ? 1 : 0, mine.reduce((a, s) => a + s.durationMs, 0));
    progress(`${m.name}: ${r.caught ? 'caught' : 'MISSED'}: ${r.detail}`);
    return r;
  });
}

async function runOne(m: Mutant, progress: (s: string) => void): Promise<MutantResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `syncwright-mutant-${m.name}-`));
  const started = Date.now();
  progress(`mutant ${m.name} → scenarios/${m.caughtBy}.spec.ts`);
  // -x: the first failing test is the catch; the rest of the file adds nothing but time.
  const code = await runPlaywright([`scenarios/${m.caughtBy}.spec.ts`, '-x', ...(m.test ? ['-g', m.test] : [])], { SYNC_MUTANT: m.name, SYNCWRIGHT_REPORT_DIR: dir, SYNCWRIGHT_TRACE: 'off' }, { quiet: true });
  const specs = await readResults(dir).catch(() => [] as SpecResult[]);
  const r = verdict(m, specs.filter((s) => s.status === 'failed'), code, Date.now() - started);
  progress(`${m.name}: ${r.caught ? 'caught' : 'MISSED'}: ${r.detail}`);
  return r;
}
