import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';

export interface Limits {
  maxEventsPerSecond: number;
  maxJoinsPerSecond: number;
  maxChannelsPerClient: number;
  maxConcurrentUsers: number;
  maxPayloadSizeKb: number;
  maxPresenceEventsPerSecond: number;
}

// The real server's tenant defaults.
export const DEFAULT_LIMITS: Limits = {
  maxEventsPerSecond: 100,
  maxJoinsPerSecond: 100,
  maxChannelsPerClient: 100,
  maxConcurrentUsers: 200,
  maxPayloadSizeKb: 3000,
  maxPresenceEventsPerSecond: 10,
};

const KEYS: Record<string, keyof Limits> = {
  max_events_per_second: 'maxEventsPerSecond',
  max_joins_per_second: 'maxJoinsPerSecond',
  max_channels_per_client: 'maxChannelsPerClient',
  max_concurrent_users: 'maxConcurrentUsers',
  max_payload_size_in_kb: 'maxPayloadSizeKb',
  max_presence_events_per_second: 'maxPresenceEventsPerSecond',
};

/** Reads [realtime] limits from a Supabase config.toml; unknown or bad values are errors naming the key. */
export function loadLimits(configPath?: string): Limits {
  const limits = { ...DEFAULT_LIMITS };
  if (!configPath) return limits;
  const doc = parse(readFileSync(configPath, 'utf8')) as { realtime?: Record<string, unknown> };
  for (const [key, value] of Object.entries(doc.realtime ?? {})) {
    const field = KEYS[key];
    if (!field) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new Error(`${configPath}: [realtime] ${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    limits[field] = value;
  }
  return limits;
}

/**
 * Events per second averaged over a sliding window, as the real server's RateCounter does
 * (one bucket a second). `triggered` once the average is above the limit.
 */
export class RateCounter {
  private buckets: number[] = [];
  private current = 0;
  private timer: NodeJS.Timeout;
  constructor(private readonly limitPerSecond: number, private readonly windowSeconds = 1) {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }
  add(n = 1): void {
    this.current += n;
  }
  private tick(): void {
    this.buckets.push(this.current);
    this.current = 0;
    if (this.buckets.length > this.windowSeconds) this.buckets.shift();
  }
  /** Average of the full seconds in the window; before the first full second, the count so far. */
  rate(): number {
    if (this.buckets.length === 0) return this.current;
    return this.buckets.reduce((a, b) => a + b, 0) / this.buckets.length;
  }
  triggered(): boolean {
    return this.rate() > this.limitPerSecond;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}
