import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MUTANTS } from '../../reference/mutants.ts';
import { readResults, runPlaywright } from './playwright.ts';

export interface MutantResult { mutant: string; scenario: string; caught: boolean; detail: string; durationMs: number }

/**
 * A scenario is proven only once seen to fail: each planted bug runs against the scenario that
 * claims to catch it, and must make it fail on an assertion (not on a boot error).
 */
export async function runMutantMatrix(progress: (s: string) => void, only?: string[]): Promise<MutantResult[]> {
  const results: MutantResult[] = [];
  for (const m of MUTANTS.filter((x) => !only?.length || only.includes(x.name))) {
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
    results.push({ mutant: m.name, scenario: m.caughtBy, caught, detail, durationMs: Date.now() - started });
    progress(`  ${caught ? 'caught' : 'MISSED'}: ${detail}`);
  }
  return results;
}
