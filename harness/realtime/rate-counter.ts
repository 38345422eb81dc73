// Realtime.RateCounter (lib/realtime/rate_counter/rate_counter.ex), as the real server counts a
// tenant's events: additions pile up between ticks (its GenCounter); each tick pushes that count into
// a bucket list of at most `buckets` entries, the average is sum / buckets so far / tick seconds, and
// only then is the limit looked at. So a burst passes until the next tick, and a limit once tripped
// holds until a tick finds the measurement back under it.

export interface RateWindow { tickMs: number; buckets: number }
export interface RateLimit { value: number; measurement: 'avg' | 'sum' }
/** One tick, for the metrics endpoint: what the tick added, the average and sum after it, and the verdict. */
export interface TickRecord { at: number; count: number; avg: number; sum: number; triggered: boolean }

/** rate_counter.ex `@idle_shutdown`: a counter whose buckets are all zero on this check stops (and starts afresh on next use). */
const IDLE_SHUTDOWN_MS = 5 * 60_000;
/** Ticks kept for the metrics endpoint: an hour of 5 s ticks. */
const HISTORY = 720;

export class RateCounter {
  private pending = 0;
  private bucket: number[] = [];
  private tripped = false;
  private forcedUntil = 0;
  private tickTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  avg = 0;
  sum = 0;
  /** Since the server started: everything added, how often the limit tripped (a forced trip included). */
  counted = 0;
  trips = 0;
  /** When the running counter started (its ticks fall every tickMs from here); undefined while stopped. */
  startedAt?: number;
  readonly history: TickRecord[] = [];

  constructor(readonly window: RateWindow, readonly limit?: RateLimit, private readonly onTrip?: () => void) {}

  /** RateCounter.new: starts ticking unless it already is. */
  start(): void {
    if (this.tickTimer) return;
    this.startedAt = Date.now();
    this.tickTimer = setInterval(() => this.tick(), this.window.tickMs);
    this.tickTimer.unref();
    this.idleTimer = setInterval(() => this.idleCheck(), IDLE_SHUTDOWN_MS);
    this.idleTimer.unref();
  }

  /** GenCounter.add. */
  add(n = 1): void {
    this.start();
    this.pending += n;
    this.counted += n;
  }

  /** The limit's verdict as of the last tick, or a forced trip (the limit-trip fault). */
  get triggered(): boolean {
    return this.tripped || this.forced;
  }

  get forced(): boolean {
    return Date.now() < this.forcedUntil;
  }

  /** The limit-trip fault: the counter reads as tripped for `ms`, whatever it counts. */
  trip(ms: number): void {
    this.start();
    if (!this.triggered) this.trips++;
    this.forcedUntil = Math.max(this.forcedUntil, Date.now() + ms);
  }

  private tick(): void {
    const count = this.pending;
    this.pending = 0;
    this.bucket = [count, ...this.bucket].slice(0, this.window.buckets);
    this.sum = this.bucket.reduce((a, b) => a + b, 0);
    this.avg = this.sum / this.bucket.length / (this.window.tickMs / 1000);
    if (this.limit) {
      const value = this[this.limit.measurement];
      // maybe_trigger_limit: tripped at >= the limit, released only below it.
      if (this.tripped && value < this.limit.value) this.tripped = false;
      else if (!this.tripped && value >= this.limit.value) {
        if (!this.forced) this.trips++;
        this.tripped = true;
        this.onTrip?.();
      }
    }
    this.history.push({ at: Date.now(), count, avg: this.avg, sum: this.sum, triggered: this.triggered });
    if (this.history.length > HISTORY) this.history.shift();
  }

  /** handle_info(:idle_shutdown): all buckets zero, so the counter stops and forgets; the next use starts a fresh one. */
  private idleCheck(): void {
    if (this.bucket.some((c) => c > 0) || this.pending > 0) return;
    this.stop();
    this.bucket = [];
    this.avg = 0;
    this.sum = 0;
    this.tripped = false;
  }

  stop(): void {
    clearInterval(this.tickTimer);
    clearInterval(this.idleTimer);
    this.tickTimer = undefined;
    this.idleTimer = undefined;
    this.startedAt = undefined;
  }

  /** The metrics endpoint's view. */
  snapshot(): { limit?: number; avg: number; sum: number; triggered: boolean; trips: number; counted: number; startedAt?: number; tickMs: number; buckets: number; history: TickRecord[] } {
    return {
      limit: this.limit?.value, avg: this.avg, sum: this.sum, triggered: this.triggered, trips: this.trips, counted: this.counted,
      startedAt: this.startedAt, tickMs: this.window.tickMs, buckets: this.window.buckets, history: [...this.history],
    };
  }
}
