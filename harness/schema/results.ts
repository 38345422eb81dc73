import { z } from 'zod';
import { PlantedResult, ScenarioResult } from './report.ts';

/** A scenario test's result, and what `syncwright explore` reads of a random run besides. */
export const ScenarioEntry = z.object({
  result: ScenarioResult,
  /** Client operations its history holds (what the checkers judged). */
  clientOperations: z.number(),
  /** scenarios/random.spec.ts's counterexample of a failed run. */
  counterexample: z.unknown().optional(),
});

/** Counts of one Playwright run, computed once (tally in harness/conformance/results.ts). */
export const RunSummary = z.object({
  passed: z.number(), failed: z.number(), flaky: z.number(), skipped: z.number(),
  plantedCaught: z.number(), plantedMissed: z.number(),
});

/**
 * results.json: what our Playwright reporter (harness/conformance/reporter.ts) built of a run, beside
 * Playwright's other output: the scenarios (planted-bug projects' tests excluded), the planted-bug
 * verdicts, and the files the report copies (report name → path).
 */
export const RunResults = z.object({
  version: z.literal(1),
  scenarios: z.array(ScenarioEntry),
  planted: z.array(PlantedResult),
  artifacts: z.record(z.string(), z.string()),
  summary: RunSummary,
});
export type RunResults = z.infer<typeof RunResults>;
export type RunSummary = z.infer<typeof RunSummary>;
export type ScenarioEntry = z.infer<typeof ScenarioEntry>;
