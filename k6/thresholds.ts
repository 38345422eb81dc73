// Every load script's gate. The numbers live in syncwright.config.ts only: this runtime cannot import
// it, so harness/load/thresholds.ts builds the script's thresholds from it and harness/load/k6.ts
// passes them in SW_LOAD_THRESHOLDS.
export function thresholds(): Record<string, string[]> {
  const raw = __ENV.SW_LOAD_THRESHOLDS;
  // Without them k6 would run ungated and exit 0 whatever happened: refuse to start instead.
  if (!raw) throw new Error('SW_LOAD_THRESHOLDS is not set: run load scripts through `syncwright load`');
  return JSON.parse(raw) as Record<string, string[]>;
}
