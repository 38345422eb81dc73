// How a tenant's rate limits are counted and what tripping one does, by profile (profile.ts). The
// one place that branches on it, so channels, REST and the change engine just say what happened.
//
// faithful: the real server's counters (lib/realtime/tenants.ex, Realtime.RateCounter: 5 s ticks,
//   up to 12 buckets, checked on a tick only).
//   - events (`max_events_per_second`): a client's broadcast push counts one (broadcast_handler.ex),
//     every channel a broadcast reaches counts one more and, while the limit is tripped, is stopped
//     with "Too many messages per second" after getting it (realtime_channel/message_dispatcher.ex
//     sends :update_rate_counter; realtime_channel.ex handle_info(:update_rate_counter)). The sender
//     itself is not stopped. REST broadcasts answer 429 over the average; database broadcasts are
//     skipped while tripped (replication_connection.ex).
//   - database events (the same limit, its own counter): a change counts one per subscription it
//     goes to; while tripped every change is dropped and counts nothing, and no channel is told
//     (replication_poller.ex handle_list_changes_result; the CDC dispatcher sends no
//     :update_rate_counter, so postgres_changes never stop a channel).
//   - presence (`max_presence_events_per_second`): a track, a join's presence state and every
//     presence_diff delivered count one; a track or join over the average stops the channel with
//     "Too many presence messages per second" (presence_handler.ex limit_presence_event). Per
//     channel, more than `max_client_presence_events_per_window` presence messages in a window stop
//     it with "Client presence rate limit exceeded" (limit_client_presence_event).
//   - joins (`max_joins_per_second`): refused while tripped (realtime_channel.ex limit_joins).
// ideal: the limits as this server kept them before the profile: exact 1 s windows on joins and on a
//   client's pushes (broadcast, presence, unknown events); over the events window the pushing channel
//   stops. Database events are not limited: no change is dropped.
import { WindowLimiter, type Limits } from './limits.ts';
import { RateCounter } from './rate-counter.ts';
import type { Profile } from './profile.ts';
import type { Timing } from './timing.ts';

export const TOO_MANY_MESSAGES = 'Too many messages per second';
export const TOO_MANY_PRESENCE = 'Too many presence messages per second';
export const CLIENT_PRESENCE_LIMIT = 'Client presence rate limit exceeded';

/** The counters the limit-trip fault can trip (control.ts). */
export const TRIPPABLE = ['events', 'db_events', 'presence'] as const;
export type Trippable = (typeof TRIPPABLE)[number];

/** A channel the limiter may stop (Channel). */
export interface Stoppable { readonly closed: boolean; shutdown(message: string): void }

/** What the change engine asks and reports for each change that reaches someone (engine.ts). */
export interface ChangeGate {
  /** False while the database events limit is tripped: the change goes to nobody. */
  open(): boolean;
  /** A change went out to `subscriptions` subscriptions (the ids the real server counts). */
  passed(subscriptions: number): void;
  /** A change was dropped that would have made `deliveries` frames. */
  dropped(deliveries: number): void;
}

/** limit_client_presence_event: a fixed window opened by the first message after the last one ended. */
export class ClientPresenceWindow {
  private counter = 0;
  private resetAt?: number;
  constructor(private readonly max: number, private readonly windowMs: number) {}
  allow(now = performance.now()): boolean {
    if (this.resetAt === undefined || now > this.resetAt) {
      this.counter = 1;
      this.resetAt = now + this.windowMs;
      return true;
    }
    if (this.counter >= this.max) return false;
    this.counter++;
    return true;
  }
}

export class Limiter {
  readonly faithful: boolean;
  readonly joins: RateCounter;
  readonly events: RateCounter;
  readonly dbEvents: RateCounter;
  readonly presence: RateCounter;
  private readonly joinWindow: WindowLimiter;
  private readonly eventWindow: WindowLimiter;
  /** Channels this limiter stopped, by the reason they were told. */
  readonly shut = new Map<string, number>();
  readonly dropped = { changes: 0, deliveries: 0, broadcasts: 0 };
  /** The engine's gate: only under faithful are database events limited. */
  readonly changes?: ChangeGate;

  constructor(readonly limits: Limits, readonly profile: Profile, timing: Timing, log: (s: string) => void = () => {}) {
    this.faithful = profile === 'faithful';
    const window = { tickMs: timing.rateTickMs, buckets: timing.rateBuckets };
    const avg = (value: number) => ({ value, measurement: 'avg' as const });
    // The log lines are the real server's (tenants.ex log_fn).
    this.joins = new RateCounter(window, avg(limits.maxJoinsPerSecond), () => log('ClientJoinRateLimitReached: Too many joins per second'));
    this.events = new RateCounter(window, avg(limits.maxEventsPerSecond), () => log('MessagePerSecondRateLimitReached: Too many messages per second'));
    this.dbEvents = new RateCounter(window, avg(limits.maxEventsPerSecond), () => log('MessagePerSecondRateLimitReached: Too many postgres changes messages per second'));
    this.presence = new RateCounter(window, avg(limits.maxPresenceEventsPerSecond), () => log('PresenceRateLimitReached: Too many presence events per second'));
    this.joinWindow = new WindowLimiter(limits.maxJoinsPerSecond);
    this.eventWindow = new WindowLimiter(limits.maxEventsPerSecond);
    if (this.faithful) {
      this.changes = {
        open: () => !this.dbEvents.triggered,
        passed: (n) => this.dbEvents.add(n),
        dropped: (n) => { this.dropped.changes++; this.dropped.deliveries += n; },
      };
    }
  }

  /** limit_joins: a join is counted unless the limit is tripped, then it is refused. */
  joinAllowed(): boolean {
    if (!this.faithful) {
      this.joinWindow.add();
      return !this.joinWindow.triggered();
    }
    if (this.joins.triggered) return false;
    this.joins.add();
    return true;
  }

  /** A join went through: its counters start (assign_counter, assign_presence_counter; the poller's with the first subscription). */
  joined(): void {
    if (!this.faithful) return;
    this.events.start();
    this.presence.start();
    this.dbEvents.start();
  }

  /** A client's broadcast push. Under ideal the pushing channel stops once over the window. */
  pushed(ch: Stoppable): void {
    if (this.faithful) return this.events.add();
    this.eventWindow.add();
    if (this.eventWindow.triggered()) this.stop(ch, TOO_MANY_MESSAGES);
  }

  /** A message from outside any channel (REST, the database), or an event the server does not know. */
  counted(): void {
    if (this.faithful) this.events.add();
    else this.eventWindow.add();
  }

  /** A broadcast reached `ch` (faithful: counted, and `ch` stops while the limit is tripped). */
  received(ch: Stoppable): void {
    if (!this.faithful) return;
    this.events.add();
    if (this.events.triggered) this.stop(ch, TOO_MANY_MESSAGES);
  }

  /** The events per second REST broadcast compares with the limit (the average; ideal: the last second's). */
  rate(): number {
    if (!this.faithful) return this.eventWindow.recent();
    return this.events.forced ? Infinity : this.events.avg;
  }

  /** A database broadcast is skipped while this is true. */
  over(): boolean {
    return this.faithful ? this.events.triggered : this.eventWindow.triggered();
  }

  /** A presence message under ideal, where presence counts toward the events window. */
  presencePushed(ch: Stoppable): void {
    this.pushed(ch);
  }

  /** limit_presence_event (faithful): false over the average (a strict >, unlike the events limit), else counted. */
  presenceAllowed(): boolean {
    if (this.presence.avg > this.limits.maxPresenceEventsPerSecond || this.presence.forced) return false;
    this.presence.add();
    return true;
  }

  /** presence_diffs delivered (faithful: each counts toward the presence average). */
  presenceDelivered(n: number): void {
    if (this.faithful && n > 0) this.presence.add(n);
  }

  /** A database broadcast skipped over the limit. */
  skippedBroadcast(): void {
    this.dropped.broadcasts++;
  }

  /** The limit-trip fault: the counters read as tripped for `ms` (ideal: only its events window, as a burst would). */
  trip(which: readonly Trippable[], ms: number): void {
    if (!this.faithful) {
      if (which.includes('events')) this.eventWindow.trip(ms);
      return;
    }
    for (const w of which) ({ events: this.events, db_events: this.dbEvents, presence: this.presence })[w].trip(ms);
  }

  /** shutdown_response for a limit, counted for the metrics. */
  stop(ch: Stoppable, reason: string): void {
    if (ch.closed) return;
    this.shut.set(reason, (this.shut.get(reason) ?? 0) + 1);
    ch.shutdown(reason);
  }

  close(): void {
    for (const c of [this.joins, this.events, this.dbEvents, this.presence]) c.stop();
  }

  /** GET /syncwright/v1/metrics (control.ts). */
  metrics() {
    return {
      profile: this.profile,
      counters: this.faithful
        ? { joins: this.joins.snapshot(), events: this.events.snapshot(), db_events: this.dbEvents.snapshot(), presence_events: this.presence.snapshot() }
        : {},
      dropped: { postgres_changes: { changes: this.dropped.changes, deliveries: this.dropped.deliveries }, broadcasts_from_database: this.dropped.broadcasts },
      shut: Object.fromEntries(this.shut),
    };
  }
}
