import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RunResults, type RunSummary } from '../schema/results.ts';

/** Our reporter's one output file, in the run's report directory (SYNCWRIGHT_REPORT_DIR, else test-results). */
export const RESULTS_FILE = 'results.json';

/** The counts of a run's scenarios and planted-bug verdicts: the reporter's summary and the report's. */
export function tally(scenarios: readonly { status: string }[], bugs: readonly { caught: boolean }[]): RunSummary {
  const count = (st: string) => scenarios.filter((s) => s.status === st).length;
  const missed = bugs.filter((m) => !m.caught).length;
  return {
    passed: count('passed'), failed: count('failed'), flaky: count('flaky'), skipped: count('skipped'),
    plantedCaught: bugs.length - missed, plantedMissed: missed,
  };
}

/** results.json of a run (harness/conformance/reporter.ts wrote it); rejects when the run wrote none. */
export async function readRunResults(reportDir: string): Promise<RunResults> {
  return RunResults.parse(JSON.parse(await readFile(path.join(reportDir, RESULTS_FILE), 'utf8')));
}
