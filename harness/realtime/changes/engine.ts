import type { JWTPayload } from 'jose';
import { ChangeFeed, type FeedStatus } from './feed.ts';
import { Authorizer, claimsRole } from './rls.ts';
import { FilterError, checkFilterColumns, matchesFilter, parseFilter, type Filter } from './filter.ts';
import type { Change, PostgresChangesPayload } from './types.ts';
import { Registry, type Binding, type BindingSpec, type Deliver, type Subscription } from './registry.ts';

// Column types whose eq filter compares the row's text exactly, so the registry can index it.
const TEXT_TYPES = new Set(['uuid', 'text', 'varchar', 'character varying', 'citext', 'name', 'bpchar']);

export type SubscribeResult = { ok: true; unsubscribe(): void } | { ok: false; message: string };

export interface ChangeEngineOptions { dbUrl: string; publication?: string; slotName: string; onLog?: (s: string) => void }

function paramsToLog(b: BindingSpec): string {
  const filters = b.filter ? `[${JSON.stringify(b.filter)}]` : '[]';
  return `event: ${b.event}, schema: ${b.schema}, table: ${b.table ?? '*'}, filters: ${filters}, select: nil`;
}

/** The subscriptions one change reaches that share one set of claims (so one RLS check). */
interface Group { claims: JWTPayload; members: { sub: Subscription; ids: number[] }[] }

/** WAL → matching subscriptions → RLS → delivery, in commit order. */
export class ChangeEngine {
  private feed: ChangeFeed;
  private auth: Authorizer;
  private subs = new Registry();
  private chain: Promise<void> = Promise.resolve();
  private readonly publication: string;
  private readonly log: (s: string) => void;

  constructor(opts: ChangeEngineOptions) {
    this.publication = opts.publication ?? 'supabase_realtime';
    this.log = opts.onLog ?? (() => {});
    this.feed = new ChangeFeed({ dbUrl: opts.dbUrl, publication: this.publication, slotName: opts.slotName, onLog: this.log });
    this.auth = new Authorizer(opts.dbUrl);
    this.feed.on('transaction', (changes: Change[]) => {
      this.chain = this.chain.then(() => this.dispatch(changes)).catch((e) => this.log(`dispatch: ${e}`));
    });
  }

  onStatus(listener: (s: FeedStatus) => void): void {
    this.feed.on('status', listener);
  }

  streaming(): boolean {
    return this.feed.status === 'streaming';
  }

  async start(): Promise<void> {
    await this.auth.install();
    await this.feed.start();
  }

  async stop(): Promise<void> {
    await this.feed.stop();
    await this.chain;
    await this.auth.close();
  }

  /** Validates every binding as the real server does before it answers "Subscribed to PostgreSQL". */
  async subscribe(sub: { id: string; claims: JWTPayload; bindings: BindingSpec[] }, deliver: Deliver): Promise<SubscribeResult> {
    const bindings: Binding[] = [];
    for (const b of sub.bindings) {
      const event = String(b.event ?? '').toUpperCase();
      if (!['*', 'INSERT', 'UPDATE', 'DELETE'].includes(event)) {
        return { ok: false, message: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [${paramsToLog(b)}]` };
      }
      const table = b.table && b.table !== '*' ? b.table : undefined;
      let parsed: Filter | undefined;
      let eqKey: string | undefined;
      if (b.filter) {
        try {
          parsed = parseFilter(b.filter);
        } catch (err) {
          if (err instanceof FilterError) return { ok: false, message: err.message };
          throw err;
        }
      }
      if (b.schema !== '*') {
        const published = await this.auth.inPublication(this.publication, b.schema, table);
        if (!published) {
          return { ok: false, message: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [${paramsToLog(b)}]` };
        }
        if (table && parsed) {
          const columns = (await this.auth.tableColumns(b.schema, table)) ?? [];
          const bad = checkFilterColumns(parsed, columns, table);
          if (bad) return { ok: false, message: bad };
          const type = columns.find((c) => c.name === parsed!.column)?.type;
          if (parsed.op === 'eq' && type && TEXT_TYPES.has(type)) eqKey = `${b.schema}.${table}.${parsed.column}`;
        }
      }
      bindings.push({ ...b, event, table, parsed, ...(eqKey ? { eqKey } : {}) });
    }
    const entry: Subscription = { id: sub.id, claims: sub.claims, bindings, deliver };
    this.subs.add(entry);
    // Only this entry: a rejoin under the same id may have replaced it meanwhile.
    return { ok: true, unsubscribe: () => { if (this.subs.get(sub.id) === entry) this.subs.remove(sub.id); } };
  }

  updateClaims(subId: string, claims: JWTPayload): void {
    const s = this.subs.get(subId);
    if (s) s.claims = claims;
  }

  private matching(change: Change): { sub: Subscription; ids: number[] }[] {
    const out: { sub: Subscription; ids: number[] }[] = [];
    const row = change.type === 'DELETE' ? change.oldRecord : change.record;
    for (const sub of this.subs.candidates(change)) {
      let ids: number[] | undefined;
      for (const b of sub.bindings) {
        if ((b.schema === '*' || b.schema === change.schema)
          && (!b.table || b.table === change.table)
          && (b.event === '*' || b.event === change.type)
          && (!b.parsed || matchesFilter(b.parsed, row, change.columns))) (ids ??= []).push(b.id);
      }
      if (ids) out.push({ sub, ids });
    }
    return out;
  }

  /** The change as apply_rls builds it for a role: only the columns that role may select. */
  private payload(change: Change, selectable: Set<string>): PostgresChangesPayload {
    const only = (r: Record<string, unknown> | undefined, keep: (k: string) => boolean) =>
      Object.fromEntries(Object.entries(r ?? {}).filter(([k]) => selectable.has(k) && keep(k)));
    const base = {
      schema: change.schema, table: change.table, commit_timestamp: change.commitTimestamp, type: change.type,
      columns: change.columns.filter((c) => selectable.has(c.name)), errors: null,
    };
    if (change.type === 'INSERT') return { ...base, record: only(change.record, () => true) };
    if (change.type === 'UPDATE') return { ...base, record: only(change.record, () => true), old_record: only(change.oldRecord, () => true) };
    // With RLS on, a DELETE cannot be authorised, so only its key leaves the database.
    return { ...base, old_record: only(change.oldRecord, (k) => !change.rlsEnabled || change.primaryKey.includes(k)) };
  }

  /**
   * apply_rls's refusals, before any RLS check and whatever the table's RLS: a change to a table
   * without a primary key is a 400, and one whose key the role may not select a 401, to every
   * subscriber of that role. A DELETE is never refused.
   */
  private refusal(change: Change, selectable: Set<string>): string | undefined {
    if (change.type === 'DELETE') return undefined;
    if (change.primaryKey.length === 0) return 'Error 400: Bad Request, no primary key';
    return change.primaryKey.every((k) => selectable.has(k)) ? undefined : 'Error 401: Unauthorized';
  }

  /** A refusal as list_changes returns it: no commit time, no columns, empty records. */
  private errorPayload(change: Change, error: string): string {
    return JSON.stringify({
      schema: change.schema, table: change.table, type: change.type, commit_timestamp: null, columns: [], errors: [error],
      record: {}, ...(change.type === 'UPDATE' ? { old_record: {} } : {}),
    } satisfies PostgresChangesPayload);
  }

  private async dispatch(changes: Change[]): Promise<void> {
    for (const change of changes) {
      const targets = this.matching(change);
      if (!targets.length) continue;
      const groups = new Map<string, Group>();
      for (const t of targets) {
        const key = JSON.stringify(t.sub.claims);
        const g = groups.get(key) ?? { claims: t.sub.claims, members: [] };
        g.members.push(t);
        groups.set(key, g);
      }
      // One payload per role, as apply_rls builds one per role.
      const perRole = new Map<string, { selectable: Set<string>; refusal?: string; payload?: string }>();
      const checked: Group[] = [];
      let verdicts: boolean[];
      try {
        for (const g of groups.values()) {
          const role = claimsRole(g.claims);
          if (!perRole.has(role)) {
            const selectable = await this.auth.selectable(change.schema, change.table, role);
            const error = this.refusal(change, selectable);
            perRole.set(role, { selectable, refusal: error && this.errorPayload(change, error) });
          }
          const { refusal } = perRole.get(role)!;
          if (refusal) for (const t of g.members) t.sub.deliver(refusal, t.ids);
          else checked.push(g);
        }
        verdicts = await this.auth.visible(change, checked.map((g) => g.claims));
      } catch (err) {
        this.log(`rls check failed for ${change.table}: ${(err as Error).message}`);
        continue;
      }
      checked.forEach((g, i) => {
        if (!verdicts[i]) return;
        const role = perRole.get(claimsRole(g.claims))!;
        const text = (role.payload ??= JSON.stringify(this.payload(change, role.selectable)));
        for (const t of g.members) t.sub.deliver(text, t.ids);
      });
    }
  }
}
