// One typed config for budgets, thresholds and defaults. Read by `syncwright run`, `report --compare` and `load`.
export interface SyncwrightConfig {
  /** The plan's latency budget, commit → DOM, per scenario. */
  latencyBudget: { p95: number; max: number };
  /** `report --compare`: what counts as a regression against a baseline report.json. */
  compare: {
    /** A percentile may grow by this fraction AND this many ms before it is a regression (both, so tiny numbers do not flap). */
    latencyGrowth: number;
    latencySlackMs: number;
    /** Any scenario passing in the baseline and failing now is a regression. */
    newFailures: boolean;
    /** Any planted bug caught in the baseline and missed now is a regression. */
    newMisses: boolean;
    /** Load throughput may drop by this fraction. */
    throughputDrop: number;
  };
  /** k6 gates (load/thresholds.ts reads these). */
  load: { p99Ms: number; maxLossRatio: number; minBaselineRatio: number };
}

const config: SyncwrightConfig = {
  latencyBudget: { p95: 1000, max: 2000 },
  compare: { latencyGrowth: 0.2, latencySlackMs: 50, newFailures: true, newMisses: true, throughputDrop: 0.2 },
  load: { p99Ms: 250, maxLossRatio: 0, minBaselineRatio: 0.25 },
};

export default config;
