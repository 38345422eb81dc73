// Broadcast from the database, as the real server's Realtime.Tenants.ReplicationConnection streams
// it: every row committed into realtime.messages (by realtime.send, realtime.broadcast_changes or a
// plain insert) goes to its topic, the public or the private channel by its `private` column, with
// the row id as `meta.id`. Rows without an event, topic or payload, over the payload limit or past
// the events-per-second limit are skipped, as there. The probes of policies.ts roll back, so they
// never reach this stream.
//
// The real server reads the table through a replication connection of its own; we read it through
// the change engine's slot (its `other` publication), so one walsender decodes the WAL once: a
// second slot cost about 0.6 ms at p99 in `npm run bench:latency`.
import type { Change } from './changes/types.ts';
import type { Tenant } from './tenant.ts';
import { payloadTooLarge } from './limits.ts';

import { MESSAGES_PUBLICATION } from './messages.ts';

/** What the change engine hands over instead of matching against postgres_changes. */
export const MESSAGES_TABLE = { publication: MESSAGES_PUBLICATION, schema: 'realtime', table: 'messages' } as const;

/** Sends each inserted message row to its topic's subscribers. */
export function broadcastRows(tenant: Tenant, rows: readonly Change[], log?: (s: string) => void): void {
  for (const c of rows) {
    if (c.type !== 'INSERT' || !c.record) continue;
    const { event, topic, id, payload } = c.record as { event?: unknown; topic?: unknown; id?: unknown; payload?: unknown };
    const hex = c.recordText?.binary_payload;
    const body = typeof hex === 'string' ? Buffer.from(hex.replace(/^\\x/, ''), 'hex') : payload;
    const isPrivate = c.record.private;
    if (typeof event !== 'string' || typeof topic !== 'string' || typeof isPrivate !== 'boolean' || body === null || body === undefined) continue;
    if (payloadTooLarge(tenant.limits, body)) {
      log?.(`UnableToBroadcastChanges: message ${String(id)} on ${topic} skipped (payload size)`);
      continue;
    }
    if (tenant.limiter.over()) {
      tenant.limiter.skippedBroadcast();
      log?.(`UnableToBroadcastChanges: message ${String(id)} on ${topic} skipped (too_many_requests)`);
      continue;
    }
    tenant.broadcast(topic, event, body, isPrivate, { id });
  }
}
