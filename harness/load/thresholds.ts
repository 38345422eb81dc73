// The k6 thresholds of each load script, built from syncwright.config.ts `load`. k6 runs the scripts
// in its own JavaScript runtime, which cannot import the config (it needs zod from node_modules), so
// runK6 hands a script its thresholds in SW_LOAD_THRESHOLDS and k6/thresholds.ts reads them there.
import config, { type SyncwrightConfig } from '../../syncwright.config.ts';

export type LoadScript = 'fanout' | 'throttle';
type Gates = SyncwrightConfig['load'];

/** Metric → k6 threshold expressions. The zeros and ones are not budgets: none of these may happen. */
export function k6Thresholds(g: Gates): Record<LoadScript, Record<string, string[]>> {
  const common = { realtime_latency_ms: [`p(99)<${g.p99Ms}`], realtime_errors: ['count==0'], checks: ['rate==1'] };
  return {
    fanout: { ...common, realtime_join_ms: [`p(95)<${g.joinP95Ms}`] },
    throttle: {
      ...common,
      // Broadcasts a listener saw inside any sliding 1 s window above the configured limit (under a
      // faithful server only the polite listener's count: the flood passes until a 5 s tick there).
      throttle_over_limit: ['count==0'],
      // Pushes of the sender below the limit that never arrived.
      throttle_polite_lost: ['count==0'],
    },
  };
}

/** The environment k6 is started with for `script`; the gates are read from the config at each call. */
export function thresholdsEnv(script: LoadScript, g: Gates = config.load): { SW_LOAD_THRESHOLDS: string } {
  return { SW_LOAD_THRESHOLDS: JSON.stringify(k6Thresholds(g)[script]) };
}
