// The gate for every load script, in one place (the numbers mirror syncwright.config.ts `load`).
export const thresholds = {
  realtime_latency_ms: ['p(99)<250'],
  realtime_join_ms: ['p(95)<2000'],
  realtime_errors: ['count==0'],
  checks: ['rate==1'],
};
