import { EventEmitter } from 'node:events';
import pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';

type Message = Pgoutput.Message;
type MessageRelation = Pgoutput.MessageRelation;
import type { Change, ChangeType, Column } from './types.ts';
import { commitTimestamp, toJsonValue, walTimestamp } from './values.ts';
import type { WalColumn } from './wal-size.ts';

/** Keeps pgoutput values as text: we convert them the way to_jsonb would, with full precision. */
class TextPgoutput extends PgoutputPlugin {
  override parse(buffer: Buffer): Message {
    const msg = super.parse(buffer);
    if (msg.tag === 'relation') for (const c of msg.columns) c.parser = (raw: unknown) => raw;
    return msg;
  }
}

interface RelationInfo { schema: string; table: string; columns: Column[]; walColumns: WalColumn[]; primaryKey: string[]; rlsEnabled: boolean }

/**
 * How long a handled commit waits to be confirmed to Postgres. Not at once: that status update was
 * written before the change's RLS check was sent, and woke the walsender while the check ran. A
 * resume does not need it (it starts from `lastCommitEnd`), nor does a shutdown (the heartbeat).
 */
const CONFIRM_DELAY_MS = 100;

function lsnMinusOne(lsn: string): string {
  const [hi = '0', lo = '0'] = lsn.split('/');
  const v = (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`) - 1n;
  if (v < 0n) return lsn;
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}

export type FeedStatus = 'starting' | 'streaming' | 'reconnecting' | 'stopped';

export interface ChangeFeedOptions {
  dbUrl: string;
  /** Publications streamed through the one slot (pgoutput takes several): one walsender decodes the WAL once. */
  publications: string[];
  slotName: string;
  /**
   * After a drop, resume from the confirmed LSN (default), so a Postgres restart loses no commit; or,
   * with false, start from now on a fresh slot, as the real server's temporary slot does (profile.ts).
   */
  resume?: boolean;
  onLog?: (line: string) => void;
}

/**
 * Streams committed row changes from pgoutput. Emits 'transaction' (Change[] in commit order) and
 * 'status'. Reconnects with backoff when Postgres goes away.
 */
/** Postgres's duplicate_object: the slot exists already. */
const DUPLICATE_OBJECT = '42710';
/** Times a slot is dropped and made again when another backend keeps making it first. */
const SLOT_ATTEMPTS = 5;

export class ChangeFeed extends EventEmitter {
  status: FeedStatus = 'starting';
  private service?: LogicalReplicationService;
  private typeNames = new Map<number, string>();
  private relations = new Map<number, RelationInfo>();
  /** The open transaction's id (pgoutput Begin): RLS checks wait until it is visible (rls.ts). */
  private xid?: number;
  private pending: { rel: MessageRelation; type: ChangeType; record?: Record<string, unknown>; old?: Record<string, unknown> }[] = [];
  private stopped = false;
  private lastCommitEnd?: string;
  private readonly log: (s: string) => void;

  constructor(private readonly opts: ChangeFeedOptions) {
    super();
    this.log = opts.onLog ?? (() => {});
  }

  async start(): Promise<void> {
    await this.prepare();
    await this.connect();
  }

  private async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.opts.dbUrl });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  private async prepare(): Promise<void> {
    const types = await this.query<{ oid: number; typname: string }>('select oid::int, typname from pg_type');
    for (const t of types) this.typeNames.set(t.oid, t.typname);
    // A fresh server starts from now: a slot left by a killed server would replay stale changes.
    await this.freshSlot();
  }

  /**
   * The slot again, from now: whatever the old one held is gone, as a temporary slot is with its
   * connection. A walsender of ours that has not noticed its client went away still holds it; a
   * backend of a server that went away while its slot was being made (the making waits for every
   * open transaction) makes it once that transaction ends, so ours then finds it there: drop it again.
   */
  private async freshSlot(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      for (let i = 0; i < 100; i++) {
        const [slot] = await this.query<{ active_pid: number | null }>(`select active_pid from pg_replication_slots where slot_name = $1`, [this.opts.slotName]);
        if (!slot) break;
        await (slot.active_pid
          ? this.query('select pg_terminate_backend($1)', [slot.active_pid])
          : this.query('select pg_drop_replication_slot($1)', [this.opts.slotName])).catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
      try {
        await this.query(`select pg_create_logical_replication_slot($1, 'pgoutput')`, [this.opts.slotName]);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== DUPLICATE_OBJECT || attempt >= SLOT_ATTEMPTS) throw err;
      }
    }
    this.lastCommitEnd = undefined;
  }

  /** Drops the replication connection and reconnects, as when Postgres goes away (a fault). */
  restart(): void {
    this.onDrop(new Error('restart requested'), true);
  }

  /**
   * Behaves as if Postgres could not be reached for `ms`: the feed is down and `reachable` false.
   * `slow`: it accepts connections but answers nothing until the outage ends (a new connection
   * waits for it, see connect.ts), rather than refusing them.
   */
  hold(ms: number, slow = false): void {
    this.heldUntil = Math.max(this.heldUntil, Date.now() + ms);
    this.heldSlow = slow;
    this.onDrop(new Error(`database outage of ${ms} ms requested`), true);
  }

  /** The held outage still running, if any: when it ends and whether the database is slow rather than refusing. */
  outage(): { until: number; slow: boolean } | undefined {
    return Date.now() < this.heldUntil ? { until: this.heldUntil, slow: this.heldSlow } : undefined;
  }

  /** False while a held outage lasts, or since a drop until a query succeeds again. */
  get reachable(): boolean {
    return !this.unreachable && Date.now() >= this.heldUntil;
  }

  private heldUntil = 0;
  private heldSlow = false;
  private unreachable = false;

  private async connect(): Promise<void> {
    const service = new LogicalReplicationService(
      { connectionString: this.opts.dbUrl },
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
    this.service = service;
    service.on('data', (_lsn: string, msg: Message) => this.onMessage(msg).catch((e) => this.log(`feed: ${e}`)));
    service.on('heartbeat', (walEnd: string, _ts: number, shouldRespond: boolean) => {
      if (!shouldRespond) return;
      // Idle, everything up to the server's WAL end is ours: confirming it lets a shutdown finish
      // (a walsender waits for that confirmation) without skipping any commit we have not handled.
      const idle = !this.inTransaction && this.inFlight === 0;
      // The library reports lsn + 1; a shutting-down walsender waits for exactly its own position.
      const lsn = idle ? lsnMinusOne(walEnd) : this.lastCommitEnd;
      if (lsn) void service.acknowledge(lsn, false).catch(() => false);
    });
    service.on('error', (err: Error) => this.onDrop(err));
    service.on('start', () => this.setStatus('streaming'));
    const plugin = new TextPgoutput({ protoVersion: 1, publicationNames: this.opts.publications });
    (this.lastCommitEnd ? service.subscribe(plugin, this.opts.slotName, this.lastCommitEnd) : service.subscribe(plugin, this.opts.slotName)).catch((err: Error) => this.onDrop(err));
  }

  private dropping = false;
  private onDrop(err: Error, requested = false): void {
    if (this.stopped || this.dropping) return;
    this.dropping = true;
    // Not on a requested drop: the database itself is still there (hold() has its own deadline).
    if (!requested) this.unreachable = true;
    this.log(`replication connection lost: ${err.message}; reconnecting`);
    this.setStatus('reconnecting');
    void this.service?.destroy().catch(() => {});
    const retry = async (delay: number): Promise<void> => {
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, delay));
      const held = this.heldUntil - Date.now();
      if (held > 0) return retry(held);
      try {
        await this.query('select 1');
        this.unreachable = false;
        if (this.opts.resume === false) await this.freshSlot();
        this.pending = [];
        this.inTransaction = false;
        this.dropping = false;
        await this.connect();
      } catch {
        return retry(Math.min(delay * 2, 2000));
      }
    };
    void retry(100);
  }

  private setStatus(s: FeedStatus): void {
    if (this.status === s) return;
    this.status = s;
    this.emit('status', s);
  }

  private async relationInfo(rel: MessageRelation): Promise<RelationInfo> {
    const known = this.relations.get(rel.relationOid);
    if (known && known.columns.length === rel.columns.length) return known;
    const rows = await this.query<{ relrowsecurity: boolean; pk: string[] | null; types: Record<string, string> | null }>(
      `select c.relrowsecurity,
              (select array_agg(a.attname::text order by a.attnum) from pg_index i
                 join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                where i.indrelid = c.oid and i.indisprimary) as pk,
              (select json_object_agg(a.attname, format_type(a.atttypid, a.atttypmod)) from pg_attribute a
                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as types
         from pg_class c where c.oid = $1`,
      [rel.relationOid],
    );
    const info: RelationInfo = {
      schema: rel.schema,
      table: rel.name,
      columns: rel.columns.map((c) => ({ name: c.name, type: this.typeNames.get(c.typeOid) ?? 'text' })),
      walColumns: rel.columns.map((c) => ({ name: c.name, type: rows[0]?.types?.[c.name] ?? this.typeNames.get(c.typeOid) ?? 'text', typeoid: c.typeOid })),
      // The primary key itself, not the replica identity: apply_rls reads `pk` (400 without one).
      primaryKey: rows[0]?.pk ?? [],
      rlsEnabled: rows[0]?.relrowsecurity ?? false,
    };
    this.relations.set(rel.relationOid, info);
    return info;
  }

  private async onMessage(msg: Message): Promise<void> {
    switch (msg.tag) {
      case 'begin':
        this.pending = [];
        this.xid = msg.xid;
        this.inTransaction = true;
        return;
      case 'insert':
        this.pending.push({ rel: msg.relation, type: 'INSERT', record: msg.new });
        return;
      case 'update':
        this.pending.push({ rel: msg.relation, type: 'UPDATE', record: msg.new, old: msg.old ?? msg.key ?? undefined });
        return;
      case 'delete':
        this.pending.push({ rel: msg.relation, type: 'DELETE', old: msg.old ?? msg.key ?? undefined });
        return;
      case 'commit': {
        const rows = this.pending;
        const xid = this.xid;
        this.pending = [];
        this.inTransaction = false;
        this.inFlight++;
        const ts = commitTimestamp(msg.commitTime as bigint);
        const walTs = walTimestamp(msg.commitTime as bigint);
        const lsn = msg.commitEndLsn ?? '0/0';
        // Relation lookups are async; emitting through one promise chain keeps commit order.
        this.chain = this.chain.then(async () => {
          const changes: Change[] = [];
          for (const r of rows) {
            const info = await this.relationInfo(r.rel);
            // A TOASTed value an UPDATE left unchanged is not in the WAL (undefined, unless the old
            // row has it): apply_rls leaves such a column out of record, it does not send null.
            const convert = (t?: Record<string, unknown>) => t && Object.fromEntries(
              info.columns.filter((c) => t[c.name] !== undefined).map((c) => [c.name, toJsonValue(c.type, t[c.name] as string | null)]),
            );
            changes.push({
              schema: info.schema, table: info.table, type: r.type, commitTimestamp: ts,
              columns: info.columns, primaryKey: info.primaryKey, rlsEnabled: info.rlsEnabled,
              record: convert(r.record), oldRecord: convert(r.old), lsn, xid, walColumns: info.walColumns, walTimestamp: walTs,
              recordText: r.record as Change['recordText'], oldRecordText: r.old as Change['oldRecordText'],
            });
          }
          if (changes.length) this.emit('transaction', changes);
          this.lastCommitEnd = lsn;
          this.confirmSoon();
        }).catch((e) => this.log(`feed: ${e}`)).finally(() => { this.inFlight--; });
        return;
      }
      default:
        return;
    }
  }

  private confirmTimer?: NodeJS.Timeout;
  /** Confirms the last handled commit in CONFIRM_DELAY_MS, once for all handled meanwhile. */
  private confirmSoon(): void {
    if (this.confirmTimer) return;
    this.confirmTimer = setTimeout(() => {
      this.confirmTimer = undefined;
      if (this.lastCommitEnd && !this.stopped) void this.service?.acknowledge(this.lastCommitEnd, false).catch(() => false);
    }, CONFIRM_DELAY_MS);
    this.confirmTimer.unref();
  }

  private chain: Promise<void> = Promise.resolve();
  private inTransaction = false;
  private inFlight = 0;

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.confirmTimer);
    this.setStatus('stopped');
    await this.service?.destroy().catch(() => {});
    await this.chain;
    await this.query(
      `select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active`,
      [this.opts.slotName],
    ).catch(() => {});
  }
}
