import { callControl, type ControlTarget } from './control-client.ts';
import { DB_OUTAGE_PATH, FEED_RESTART_PATH, LIMIT_TRIP_PATH, PUBLICATION_CHANGE_PATH } from '../realtime/control.ts';
import type { Trippable } from '../realtime/limiter.ts';

/**
 * The production failures our Realtime server can be asked to cause (harness/realtime/control.ts):
 * what each takes as its body. A real Supabase has no such control, so specs using them are @local.
 */
export interface RealtimeFaults {
  /** The change feed restarts: under the faithful profile commits of its gap are lost, and each channel hears "Subscribed to PostgreSQL" again. */
  'feed-restart': Record<string, never>;
  /**
   * The database is unreachable for `ms`. With the tenant's connection kept, public joins go on;
   * `dropConnection` loses it too, so joins are refused with the real reason; `slow` answers late.
   */
  'db-outage': { ms: number; slow?: boolean; dropConnection?: boolean };
  /** The publication's table set changes (`{}`: as if it had): every subscription is made again. */
  'publication-change': { add: string } | { drop: string } | Record<string, never>;
  /** A rate limit is tripped for `ms`: database changes are dropped silently meanwhile. */
  'limit-trip': { ms: number; limit?: Trippable };
}

const PATHS: Record<keyof RealtimeFaults, string> = {
  'feed-restart': FEED_RESTART_PATH, 'db-outage': DB_OUTAGE_PATH, 'publication-change': PUBLICATION_CHANGE_PATH, 'limit-trip': LIMIT_TRIP_PATH,
};

export async function realtimeFault<K extends keyof RealtimeFaults>(info: ControlTarget, kind: K, body: RealtimeFaults[K]): Promise<void> {
  await callControl(info, 'POST', PATHS[kind], body);
}
