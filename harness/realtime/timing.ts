// The real server's waits and windows, in one place. A test may shorten them (startRealtime's
// `timing`) so it need not sleep through production's seconds; the CLI always runs the real ones.

export interface Timing {
  /**
   * The tick and bucket count of the tenant's rate counters (events, database events, presence,
   * joins): `Tenants.*_per_second_rate` in lib/realtime/tenants.ex use `tick: 5 s, max_bucket_len: 12`,
   * so a rate is the average of the last (up to) 60 s, and a limit is checked only on a tick.
   */
  rateTickMs: number;
  rateBuckets: number;
  /** `CHANNEL_ERROR_BACKOFF_MS` (config/runtime.exs, 5 s): the sleep before a join error reply. */
  channelErrorBackoffMs: number;
  /**
   * `connect_connection_ready_timeout` (lib/realtime/tenants/connect.ex, 15 s): how long a join waits
   * for the tenant's database connection to be ready.
   */
  connectReadyMs: number;
  /** SubscriptionManager's `@check_oids_interval` (subscription_manager.ex, 60 s): how often the publication's tables are read. */
  publicationCheckMs: number;
}

export const REAL_TIMING: Timing = {
  rateTickMs: 5_000,
  rateBuckets: 12,
  channelErrorBackoffMs: 5_000,
  connectReadyMs: 15_000,
  publicationCheckMs: 60_000,
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
