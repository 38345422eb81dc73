// The one place for budgets and gates. Everything that judges a run reads it: the latency-budget and
// no-resurrection checkers and withinBudget (harness/history/budget.ts), the reports (`run`,
// `explore`, `load`), `report --compare`, and the k6 load gates (harness/load/thresholds.ts hands
// them to k6, which cannot import this file). Validated on import, so a bad value fails every
// command up front, naming its key, instead of quietly loosening a gate.
import { z } from 'zod';

const ms = z.number().int().positive();
const fraction = z.number().min(0).max(1);

export const SyncwrightConfigSchema = z.strictObject({
  /** The plan's latency budget, commit → DOM, per scenario in steady state. */
  latencyBudget: z.strictObject({ p95: ms, max: ms })
    .refine((b) => b.p95 <= b.max, { message: 'must not exceed latencyBudget.max', path: ['p95'] }),
  /** `report --compare`: what counts as a regression against a baseline report.json. */
  compare: z.strictObject({
    /** A percentile may grow by this fraction AND this many ms before it is a regression (both, so tiny numbers do not flap). */
    latencyGrowth: z.number().nonnegative(),
    latencySlackMs: z.number().nonnegative(),
    /** Any scenario passing in the baseline and failing now is a regression. */
    newFailures: z.boolean(),
    /** Any planted bug caught in the baseline and missed now is a regression. */
    newMisses: z.boolean(),
    /** Load throughput (fanout's deliveries per CPU-second of the Realtime server) may drop by this fraction. */
    throughputDrop: fraction,
  }),
  /** `syncwright load` gates. */
  load: z.strictObject({
    /** k6 threshold: commit → receive p99 of every load script. */
    p99Ms: ms,
    /** k6 threshold: p95 of a fan-out subscriber's join. */
    joinP95Ms: ms,
    /** Harness gate: the share of expected deliveries (counted per user) that may be lost. */
    maxLossRatio: fraction,
    /** The fan-out's target for deliveries per CPU-second as a share of the raw `ws` baseline's: printed beside the ratio, not gated. */
    minBaselineRatio: z.number().positive(),
  }),
  /** `syncwright bench latency`: what our Realtime server may add to raw pgoutput at p99 (printed beside the figure, not gated). */
  bench: z.strictObject({ serverAddedP99Ms: z.number().positive() }),
});

export type SyncwrightConfig = z.infer<typeof SyncwrightConfigSchema>;

/** The config, or an error naming every bad key. */
export function parseConfig(raw: unknown): SyncwrightConfig {
  const r = SyncwrightConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`syncwright.config.ts is invalid:\n${issues.join('\n')}`);
}

const config = parseConfig({
  latencyBudget: { p95: 1000, max: 2000 },
  compare: { latencyGrowth: 0.2, latencySlackMs: 50, newFailures: true, newMisses: true, throughputDrop: 0.2 },
  load: { p99Ms: 250, joinP95Ms: 2000, maxLossRatio: 0, minBaselineRatio: 0.25 },
  bench: { serverAddedP99Ms: 2 },
});

export default config;
