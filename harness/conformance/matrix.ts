import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CATALOGUE, type PlantedEntry } from './catalogue.ts';
import type { PlantedResult } from '../schema/report.ts';
import { runPlaywright, type SpecResult } from './playwright.ts';
import { readRunResults } from './results.ts';
import { PLANTED, plantedFor, selectPlanted } from './planted.ts';
import { failedCheckerNames } from '../history/checker.ts';

/** The Playwright environment and arguments that add the matrix's projects (playwright.config.ts). */
export function matrixArgs(bugs: readonly PlantedEntry[] = CATALOGUE): { env: Record<string, string>; projects: string[] } {
  return { env: { SYNCWRIGHT_MATRIX: bugs.map((m) => m.name).join(',') }, projects: ['--project', `${PLANTED}*`] };
}

/**
 * The verdicts of a run's planted-bug projects (our reporter, reporter.ts, computes them as the run
 * ends). A scenario is proven only once seen to fail: a planted bug is caught when the test that claims it failed
 * on an assertion, not on a boot error.
 */
export function plantedVerdicts(specs: SpecResult[], bugs: readonly PlantedEntry[] = CATALOGUE): PlantedResult[] {
  return bugs.map((m) => {
    const mine = specs.filter((s) => plantedFor(bugs, s.project, s.file) === m);
    const failed = mine.filter((s) => s.outcome === 'failed');
    const infra = failed.length === 0 || failed.every((f) => /bootStack|did not become healthy|exited during start-up/.test(f.error ?? ''));
    // eslint-disable-next-line no-control-regex
    const plain = (failed[0]?.error ?? '').replace(/\u001b\[[0-9;]*m/g, '');
    // The generic checkers that failed, as describeFailures names them (`name: …` a line).
    const checkers = failedCheckerNames(plain);
    // A bug of the random workload is caught only by the generic checkers (a failure of anything
    // else, a timeout say, is no catch); the one it is expected to trip is named, the ones that did are reported.
    const caught = !infra && (!m.checker || checkers.length > 0);
    const detail = plain.split('\n').find((l) => l.trim())?.trim().slice(0, 200)
      ?? (mine.length === 0 ? 'its test did not run' : 'all its tests passed');
    const expected = m.checker && caught && !checkers.includes(m.checker) ? ` (expected ${m.checker})` : '';
    return {
      bug: m.name, scenario: m.caughtBy, caught, detail: m.checker && !caught && !infra ? `no generic checker fired: ${detail}` : `${detail}${expected}`,
      durationMs: mine.reduce((a, s) => a + s.durationMs, 0), ...(checkers.length ? { checker: checkers.join(', ') } : {}),
    };
  });
}

export function printVerdicts(results: PlantedResult[], progress: (s: string) => void): void {
  for (const r of results) progress(`${r.bug}: ${r.caught ? 'caught' : 'MISSED'}${r.checker ? ` by ${r.checker}` : ''}: ${r.detail}`);
}

/** The matrix alone: one Playwright run of the planted bugs' projects on the run's shared stack. */
export async function runMatrix(progress: (s: string) => void, only?: string[], extraEnv: Record<string, string> = {}): Promise<PlantedResult[]> {
  const todo = only?.length ? selectPlanted(only) : CATALOGUE;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-matrix-'));
  const { env, projects } = matrixArgs(todo);
  progress(`planted bugs ${todo.map((m) => m.name).join(', ')}`);
  await runPlaywright(projects, { ...extraEnv, ...env, SYNCWRIGHT_REPORT_DIR: dir, SYNCWRIGHT_TRACE: 'off' }, { quiet: true });
  // No results (Playwright could not run): every planted bug's test did not run.
  const results = (await readRunResults(dir).catch(() => undefined))?.planted ?? plantedVerdicts([], todo);
  printVerdicts(results, progress);
  return results;
}
