import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';

export interface Limits {
  maxEventsPerSecond: number;
  maxJoinsPerSecond: number;
  maxChannelsPerClient: number;
  maxConcurrentUsers: number;
  maxPayloadSizeKb: number;
  maxPresenceEventsPerSecond: number;
  /** A channel's presence messages per window (PresenceHandler's client limit), and the window. */
  maxClientPresenceEventsPerWindow: number;
  clientPresenceWindowMs: number;
  /** apply_rls's max_record_bytes: a bigger change goes out as `Error 413: Payload Too Large`. */
  maxRecordBytes: number;
}

// The real server's tenant defaults (config/runtime.exs TENANT_MAX_*, lib/realtime/api/tenant.ex).
export const DEFAULT_LIMITS: Limits = {
  maxEventsPerSecond: 100,
  maxJoinsPerSecond: 100,
  maxChannelsPerClient: 100,
  maxConcurrentUsers: 200,
  maxPayloadSizeKb: 3000,
  maxPresenceEventsPerSecond: 1000,
  // CLIENT_PRESENCE_MAX_CALLS and CLIENT_PRESENCE_WINDOW_MS (config/runtime.exs).
  maxClientPresenceEventsPerWindow: 5,
  clientPresenceWindowMs: 30_000,
  // The postgres_cdc_rls extension's poll_max_record_bytes (db_settings.ex), apply_rls's default.
  maxRecordBytes: 1_048_576,
};

const KEYS: Record<string, keyof Limits> = {
  max_events_per_second: 'maxEventsPerSecond',
  max_joins_per_second: 'maxJoinsPerSecond',
  max_channels_per_client: 'maxChannelsPerClient',
  max_concurrent_users: 'maxConcurrentUsers',
  max_payload_size_in_kb: 'maxPayloadSizeKb',
  max_presence_events_per_second: 'maxPresenceEventsPerSecond',
  // The tenant's fields of the same names (lib/realtime/api/tenant.ex).
  max_client_presence_events_per_window: 'maxClientPresenceEventsPerWindow',
  client_presence_window_ms: 'clientPresenceWindowMs',
  poll_max_record_bytes: 'maxRecordBytes',
};

/** The socket's frame limit (RealtimeWeb.Endpoint `max_frame_size`): a bigger frame closes the socket with 1009. */
export const MAX_FRAME_BYTES = 5_000_000;

/**
 * Tenants.validate_payload_size: a message over `max_payload_size_in_kb` × 1000 + 500 bytes is
 * refused. The real server measures the Erlang term (`:erlang.external_size`); we measure the JSON
 * text (or the bytes of a binary payload), which is within a few percent of it for JSON objects.
 */
export function payloadTooLarge(limits: Limits, payload: unknown): boolean {
  const size = Buffer.isBuffer(payload) ? payload.length : Buffer.byteLength(JSON.stringify(payload ?? null));
  return size > limits.maxPayloadSizeKb * 1000 + 500;
}

/** Reads [realtime] limits from a Supabase config.toml; unknown or bad values are errors naming the key. */
export function loadLimits(configPath?: string): Limits {
  const limits = { ...DEFAULT_LIMITS };
  if (!configPath) return limits;
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${configPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); restore it: git checkout -- supabase/config.toml`);
  }
  let doc: { realtime?: Record<string, unknown> };
  try {
    doc = parse(text) as typeof doc;
  } catch (err) {
    // smol-toml's message spans lines (an excerpt with a caret): keep its first line and the position.
    const e = err as Error & { line?: number; column?: number };
    const where = e.line ? ` at line ${e.line}, column ${e.column}` : '';
    throw new Error(`${configPath} is not valid TOML${where} (${e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}); fix that line, or restore the file: git checkout -- supabase/config.toml`);
  }
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
 * At most `limit` events in any sliding window of `windowMs`, exactly: the ring holds the times of
 * the last limit+1 events, and the window is over when the oldest of them is still inside it.
 * The ideal profile's limiter (limiter.ts): stricter than the real server's averaged buckets (which
 * let a burst through until the next tick), so "never above the limit in any 1 s window" holds for
 * every observer.
 */
export class WindowLimiter {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;
  private forcedUntil = -Infinity;
  constructor(private readonly limit: number, private readonly windowMs = 1000, private readonly now = () => performance.now()) {
    this.times = new Float64Array(limit + 1);
  }
  add(): void {
    this.times[this.next] = this.now();
    this.next = (this.next + 1) % this.times.length;
    this.count = Math.min(this.count + 1, this.times.length);
  }
  /** How many of the last `limit + 1` events fell inside the last window. */
  recent(): number {
    const now = this.now();
    let n = 0;
    for (let i = 0; i < this.count; i++) if (now - this.times[i]! < this.windowMs) n++;
    return n;
  }

  /** Reads as over the limit for `ms`, whatever it counts (the limit-trip fault). */
  trip(ms: number): void {
    this.forcedUntil = Math.max(this.forcedUntil, this.now() + ms);
  }

  /** True once more than `limit` events fell inside the last window. */
  triggered(): boolean {
    if (this.now() < this.forcedUntil) return true;
    if (this.count < this.times.length) return false;
    return this.now() - this.times[this.next]! < this.windowMs;
  }
}
