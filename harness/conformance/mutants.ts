import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MUTANTS } from '../../reference/mutants.ts';
import { readResults, runPlaywright } from './playwright.ts';

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
  const results = new Array<MutantResult>(todo.length);
  let next = 0;
  // Each lane runs one mutant at a time (its own stack and browser); results keep the list's order.
  const lane = async () => {
    for (let i = next++; i < todo.length; i = next++) results[i] = await runOne(todo[i]!, progress);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return results;
}

async function runOne(m: (typeof MUTANTS)[number], progress: (s: string) => void): Promise<MutantResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `syncwright-mutant-${m.name}-`));
  const started = Date.now();
  progress(`mutant ${m.name} → scenarios/${m.caughtBy}.spec.ts`);
  // -x: the first failing test is the catch; the rest of the file adds nothing but time.
  const code = await runPlaywright([`scenarios/${m.caughtBy}.spec.ts`, '-x'], { SYNC_MUTANT: m.name, SYNCWRIGHT_REPORT_DIR: dir, SYNCWRIGHT_TRACE: 'off' }, { quiet: true });
  const specs = await readResults(dir).catch(() => []);
  const failed = specs.filter((s) => s.status === 'failed');
  const infra = failed.length === 0 || failed.every((f) => /bootStack|did not become healthy|exited during start-up/.test(f.error ?? ''));
  const caught = code !== 0 && !infra;
  // eslint-disable-next-line no-control-regex
  const plain = (failed[0]?.error ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const detail = plain.split('\n').find((l) => l.trim())?.trim().slice(0, 200) ?? (code === 0 ? 'all scenarios passed' : `exit ${code}`);
  progress(`${m.name}: ${caught ? 'caught' : 'MISSED'}: ${detail}`);
  return { mutant: m.name, scenario: m.caughtBy, caught, detail, durationMs: Date.now() - started };
}
