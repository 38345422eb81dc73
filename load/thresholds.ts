// The gate for every load script, in one place (the numbers mirror syncwright.config.ts `load`).
export const thresholds = {
  fanout: {
    realtime_latency_ms: ['p(99)<250'],
    realtime_join_ms: ['p(95)<2000'],
    realtime_errors: ['count==0'],
    checks: ['rate==1'],
  },
  throttle: {
    // Broadcasts a listener saw inside any sliding 1 s window above the configured limit.
    throttle_over_limit: ['count==0'],
    // Pushes of the sender below the limit that never arrived, and its errors.
    throttle_polite_lost: ['count==0'],
    realtime_errors: ['count==0'],
    realtime_latency_ms: ['p(99)<250'],
    checks: ['rate==1'],
  },
};
