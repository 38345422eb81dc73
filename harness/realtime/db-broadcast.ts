// Broadcast from the database, as the real server's Realtime.Tenants.ReplicationConnection streams
// it: every row committed into realtime.messages (by realtime.send, realtime.broadcast_changes or a
// plain insert) goes to its topic, the public or the private channel by its `private` column, with
// the row id as `meta.id`. Rows without an event, topic or payload, over the payload limit or past
// the events-per-second limit are skipped, as there. The probes of policies.ts roll back, so they
// never reach this stream.
import pg from 'pg';
import { ChangeFeed } from './changes/feed.ts';
import type { Change } from './changes/types.ts';
import type { Tenant } from './tenant.ts';
import { payloadTooLarge } from './limits.ts';

/** The real server's name for it: `supabase_<schema>_<table>_publication`. */
export const MESSAGES_PUBLICATION = 'supabase_realtime_messages_publication';

const CREATE_PUBLICATION = `
do $do$ begin
  if not exists (select 1 from pg_publication where pubname = '${MESSAGES_PUBLICATION}') then
    create publication ${MESSAGES_PUBLICATION} for table realtime.messages;
  end if;
end $do$;`;

export class DatabaseBroadcast {
  private readonly feed: ChangeFeed;

  constructor(private readonly opts: { dbUrl: string; slotName: string; tenant: Tenant; onLog?: (s: string) => void }) {
    this.feed = new ChangeFeed({ dbUrl: opts.dbUrl, publication: MESSAGES_PUBLICATION, slotName: opts.slotName, onLog: opts.onLog });
    this.feed.on('transaction', (changes: Change[]) => { for (const c of changes) this.send(c); });
  }

  async start(): Promise<void> {
    const db = new pg.Client({ connectionString: this.opts.dbUrl });
    await db.connect();
    try {
      await db.query(CREATE_PUBLICATION);
    } finally {
      await db.end();
    }
    await this.feed.start();
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }

  private send(c: Change): void {
    if (c.type !== 'INSERT' || c.schema !== 'realtime' || c.table !== 'messages' || !c.record) return;
    const { tenant } = this.opts;
    const { event, topic, id, payload } = c.record as { event?: unknown; topic?: unknown; id?: unknown; payload?: unknown };
    const hex = c.recordText?.binary_payload;
    const body = typeof hex === 'string' ? Buffer.from(hex.replace(/^\\x/, ''), 'hex') : payload;
    const isPrivate = c.record.private;
    if (typeof event !== 'string' || typeof topic !== 'string' || typeof isPrivate !== 'boolean' || body === null || body === undefined) return;
    if (payloadTooLarge(tenant.limits, body) || tenant.events.triggered()) {
      this.opts.onLog?.(`UnableToBroadcastChanges: message ${String(id)} on ${topic} skipped (payload size or rate limit)`);
      return;
    }
    tenant.broadcast(topic, event, body, isPrivate, { id });
  }
}
