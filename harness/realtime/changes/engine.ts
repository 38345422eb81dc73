import pg from 'pg';
import type { JWTPayload } from 'jose';
import { ChangeFeed, type FeedStatus } from './feed.ts';
import { Authorizer } from './rls.ts';
import { claimsRole } from '../auth.ts';
import { overLimit, valueBytes } from './wal-size.ts';
import { FilterError, SELECT_ON_WILDCARD, paramsToLog, parseFilter, parseSelect, type Condition } from './filter.ts';
import { INDEXABLE, conditionSql, decideLocally, type BoundCondition } from './conditions.ts';
import { postgrexMessage } from './pg-error.ts';
import type { Change, ChangeType, PostgresChangesPayload } from './types.ts';
import { Registry, type Binding, type BindingSpec, type Deliver, type Subscription } from './registry.ts';
import type { ChangeGate } from '../limiter.ts';

const UNABLE = 'Unable to subscribe to changes with given parameters.';

export type SubscribeResult = { ok: true; unsubscribe(): void } | { ok: false; message: string };

export interface ChangeEngineOptions {
  dbUrl: string; publication?: string; slotName: string; onLog?: (s: string) => void;
  /**
   * Another publication read through the same slot, whose rows are handed to `onOtherRows` and never
   * to postgres_changes subscribers (the database broadcast's realtime.messages: db-broadcast.ts).
   */
  other?: { publication: string; schema: string; table: string };
  /** A change larger than this (as apply_rls measures it, wal-size.ts) is sent as a 413. */
  maxRecordBytes: number;
  /** See ChangeFeedOptions.resume: false under the faithful profile. */
  resume?: boolean;
  /** The database events limit (limiter.ts), asked once per change that reaches someone; none: unlimited. */
  gate?: ChangeGate;
}

const TOO_LARGE = 'Error 413: Payload Too Large';
/** What a too-large change's records keep: values of at most this many bytes (apply_rls). */
const KEPT_VALUE_BYTES = 64;

/**
 * What one change sends to one subscription: the ids of its bindings that match and share one
 * select list (bindings with different lists get different payloads, as apply_rls makes one per
 * distinct selected_columns).
 */
interface Target { sub: Subscription; ids: number[]; select?: string[] }

/** The targets one change reaches that share one set of claims (so one RLS check). */
interface Group { claims: JWTPayload; members: Target[] }

/** A binding's condition waiting for Postgres's verdict on one changed row. */
interface Question { c: BoundCondition; value: string }

/** WAL → matching subscriptions → RLS → delivery, in commit order. */
/**
 * A binding's `event` as subscriptions.ex's action_filter reads it: INSERT, UPDATE or DELETE in any
 * case; anything else, a missing or non-string event included, is every event.
 */
export function actionFilter(event: unknown): ChangeType | '*' {
  const e = typeof event === 'string' ? event.toUpperCase() : '';
  return e === 'INSERT' || e === 'UPDATE' || e === 'DELETE' ? e : '*';
}

export class ChangeEngine {
  private feed: ChangeFeed;
  private auth: Authorizer;
  private subs = new Registry();
  private chain: Promise<void> = Promise.resolve();
  private readonly publication: string;
  private readonly log: (s: string) => void;
  private readonly maxRecordBytes: number;
  private readonly gate?: ChangeGate;

  constructor(opts: ChangeEngineOptions) {
    this.publication = opts.publication ?? 'supabase_realtime';
    this.log = opts.onLog ?? (() => {});
    this.maxRecordBytes = opts.maxRecordBytes;
    this.gate = opts.gate;
    const other = opts.other;
    this.feed = new ChangeFeed({
      dbUrl: opts.dbUrl, publications: other ? [this.publication, other.publication] : [this.publication], slotName: opts.slotName, resume: opts.resume, onLog: this.log,
    });
    this.auth = new Authorizer(opts.dbUrl);
    this.feed.on('transaction', (all: Change[]) => {
      const isOther = (c: Change) => Boolean(other) && c.schema === other!.schema && c.table === other!.table;
      const changes = other ? all.filter((c) => !isOther(c)) : all;
      const rows = other ? all.filter(isOther) : [];
      if (rows.length) for (const l of this.otherListeners) l(rows);
      if (changes.length) this.chain = this.chain.then(() => this.dispatch(changes)).catch((e) => this.log(`dispatch: ${e}`));
    });
  }

  private otherListeners: ((rows: Change[]) => void)[] = [];

  /** The rows of the `other` publication's table, in commit order, as they arrive. */
  onOtherRows(listener: (rows: Change[]) => void): void {
    this.otherListeners.push(listener);
  }

  onStatus(listener: (s: FeedStatus) => void): void {
    this.feed.on('status', listener);
  }

  streaming(): boolean {
    return this.feed.status === 'streaming';
  }

  /** Whether the database answers, as far as the feed knows (false during a held outage). */
  databaseReachable(): boolean {
    return this.feed.reachable;
  }

  /** A fault: the change feed drops and reconnects now (control.ts). */
  restartFeed(): void {
    this.feed.restart();
  }

  /** A fault: the feed is down and the database reported unreachable for `ms` (control.ts); `slow`: see ChangeFeed.hold. */
  holdFeed(ms: number, slow = false): void {
    this.feed.hold(ms, slow);
  }

  /** The held outage still running (ChangeFeed.outage). */
  outage(): { until: number; slow: boolean } | undefined {
    return this.feed.outage();
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

  /**
   * Validates every binding as the real server does before it answers "Subscribed to PostgreSQL":
   * all bindings are parsed first (a malformed one is refused before the database is asked), then
   * each is checked against its table in order, and the first refusal refuses them all.
   */
  async subscribe(sub: { id: string; claims: JWTPayload; bindings: BindingSpec[] }, deliver: Deliver): Promise<SubscribeResult> {
    const parsed: { spec: BindingSpec; event: string; table?: string; conditions: Condition[]; select?: string[] }[] = [];
    for (const b of sub.bindings) {
      const table = b.table && b.table !== '*' ? b.table : undefined;
      try {
        const select = parseSelect(b.select);
        const conditions = b.filter === undefined ? [] : parseFilter(b.filter);
        if (select && (b.schema === '*' || !table)) throw new FilterError(SELECT_ON_WILDCARD);
        parsed.push({ spec: b, event: actionFilter(b.event), table, conditions, select });
      } catch (err) {
        if (err instanceof FilterError) return { ok: false, message: err.message };
        throw err;
      }
    }
    const bindings: Binding[] = [];
    const role = claimsRole(sub.claims);
    for (const { spec, event, table, conditions, select } of parsed) {
      const log = paramsToLog({ event, schema: spec.schema, table: table ?? '*', conditions, select });
      // Without a table the conditions are typed per change, from the changed table's columns.
      let bound: BoundCondition[] = conditions.map((c) => ({ ...c, sqlType: '', type: '' }));
      if (spec.schema !== '*' && !(await this.auth.inPublication(this.publication, spec.schema, table))) {
        return { ok: false, message: `${UNABLE} Please check Realtime is enabled for the given connect parameters: [${log}]` };
      }
      try {
        // The subscription row the real server inserts names the role: one that does not exist fails it.
        await this.auth.checkRole(role);
        if (spec.schema !== '*' && table && (conditions.length || select)) {
          const info = await this.auth.checkBinding(spec.schema, table, role, conditions, select);
          bound = conditions.map((c, i) => ({ ...c, ...info[i]! }));
        }
      } catch (err) {
        if (!(err instanceof pg.DatabaseError)) throw err;
        return { ok: false, message: `${UNABLE} An exception happened so please check your connect parameters: [${log}]. Exception: ${postgrexMessage(err)}` };
      }
      const eq = bound.find((c) => c.op === 'eq' && !c.negate && INDEXABLE.has(c.type) && typeof c.canon?.[0] === 'string');
      bindings.push({
        id: spec.id, event, schema: spec.schema, table, filter: spec.filter, conditions: bound, select,
        ...(eq && table ? { eqIndex: { key: `${spec.schema}.${table}.${eq.column}`, value: eq.canon![0]! } } : {}),
      });
    }
    const entry: Subscription = { id: sub.id, claims: sub.claims, bindings, deliver };
    this.subs.add(entry);
    // Only this entry: a rejoin under the same id may have replaced it meanwhile.
    return { ok: true, unsubscribe: () => { if (this.subs.get(sub.id) === entry) this.subs.remove(sub.id); } };
  }

  /** What the publication held at the last check, as oids (SubscriptionManager's `oids`). */
  private publishedOids?: string;

  /**
   * SubscriptionManager's :check_oids (subscription_manager.ex): reads the publication's tables, and
   * when they differ from the last reading (or `force`, a simulated change) every subscription is
   * deleted at once; the caller then has each channel subscribe again, and until it has, changes
   * reach nobody. The first reading only records them.
   */
  async checkPublication(force = false): Promise<{ changed: boolean; tables: string[] }> {
    const rows = await this.auth.publishedTables(this.publication);
    const oids = rows.map((r) => r.oid).join(',');
    const changed = force || (this.publishedOids !== undefined && oids !== this.publishedOids);
    this.publishedOids = oids;
    if (changed) {
      this.subs.clear();
      this.auth.forgetCatalog();
    }
    return { changed, tables: rows.map((r) => `${r.schema}.${r.table}`) };
  }

  /** The publication's tables as `schema.table`, without acting on a change. */
  async publishedTables(): Promise<string[]> {
    return (await this.auth.publishedTables(this.publication)).map((r) => `${r.schema}.${r.table}`);
  }

  /** ALTER PUBLICATION on the publication this engine streams (the publication-change fault). */
  alterPublication(op: 'add' | 'drop', schema: string, table: string): Promise<void> {
    return this.auth.alterPublication(this.publication, op, schema, table);
  }

  updateClaims(subId: string, claims: JWTPayload): void {
    const s = this.subs.get(subId);
    if (s) s.claims = claims;
  }

  /**
   * The bindings a change matches, grouped into targets. Conditions plain text can decide are
   * decided here; the rest of every candidate are put to Postgres together, in one query.
   */
  private async matching(change: Change): Promise<Target[]> {
    const row = change.type === 'DELETE' ? change.oldRecordText : change.recordText;
    const matched: { sub: Subscription; b: Binding }[] = [];
    const asking: { sub: Subscription; b: Binding; questions: Question[] }[] = [];
    for (const sub of this.subs.candidates(change)) {
      for (const b of sub.bindings) {
        if ((b.schema !== '*' && b.schema !== change.schema) || (b.table && b.table !== change.table)
          || (b.event !== '*' && b.event !== change.type)) continue;
        const questions = this.decide(b, row, change);
        if (questions === false) continue;
        if (questions.length) asking.push({ sub, b, questions });
        else matched.push({ sub, b });
      }
    }
    if (asking.length) matched.push(...await this.askPostgres(change, asking));
    const targets = new Map<string, Target>();
    for (const { sub, b } of matched) {
      const key = `${sub.id}\0${b.select?.join(',') ?? ''}`;
      const t = targets.get(key) ?? { sub, ids: [], select: b.select };
      t.ids.push(b.id);
      targets.set(key, t);
    }
    return [...targets.values()];
  }

  /**
   * false when a condition fails (or its column is not in the WAL, as is_visible_through_filters
   * requires), else the conditions only Postgres can decide.
   */
  private decide(b: Binding, row: Change['recordText'], change: Change): Question[] | false {
    const questions: Question[] = [];
    for (const bound of b.conditions) {
      const value = row?.[bound.column];
      if (value === undefined) return false;
      const c = bound.sqlType ? bound : this.typed(bound, change);
      if (!c) return false;
      const verdict = decideLocally(c, value);
      if (verdict === undefined) {
        // Postgres casts a NULL to NULL: every operator but IS and IS DISTINCT gives NULL, no match.
        if (value === null && c.op !== 'isdistinct') return false;
        questions.push({ c, value: value as string });
      } else if (verdict !== true) return false;
    }
    return questions;
  }

  /** A wildcard binding's condition, typed by the changed table's column (not checked at subscribe). */
  private typed(c: BoundCondition, change: Change): BoundCondition | undefined {
    const type = change.columns.find((col) => col.name === c.column)?.type;
    if (!type || (c.op === 'is' && !['null', 'true', 'false', 'unknown'].includes(c.value))) return undefined;
    return { ...c, type: '', sqlType: `"${type.replace(/"/g, '""')}"` };
  }

  private async askPostgres(change: Change, asking: { sub: Subscription; b: Binding; questions: Question[] }[]): Promise<{ sub: Subscription; b: Binding }[]> {
    // Many subscribers share a filter: each distinct question is asked once.
    const index = new Map<string, number>();
    const expressions: string[] = [];
    const params: string[] = [];
    for (const a of asking) {
      for (const q of a.questions) {
        const key = JSON.stringify([q.c.op, q.c.negate, q.c.sqlType, q.c.value, q.value]);
        if (index.has(key)) continue;
        index.set(key, expressions.length);
        params.push(q.value, q.c.value);
        expressions.push(conditionSql(q.c, params.length - 1, params.length));
      }
    }
    let answers: boolean[];
    try {
      answers = await this.auth.decide(expressions, params);
    } catch (err) {
      this.log(`filter check failed for ${change.table}: ${(err as Error).message}`);
      return [];
    }
    return asking.filter((a) => a.questions.every((q) => answers[index.get(JSON.stringify([q.c.op, q.c.negate, q.c.sqlType, q.c.value, q.value]))!]));
  }

  /**
   * The change as apply_rls builds it for a role: only the columns that role may select. In a change
   * over max_record_bytes the records keep only values of at most 64 bytes (no NULLs: apply_rls's
   * test of a NULL's length is NULL), `columns` and `commit_timestamp` stay, and errors says 413.
   */
  private payload(change: Change, selectable: Set<string>, select: string[] | undefined, tooLarge: boolean): PostgresChangesPayload {
    // A select list narrows that further, but the primary key always stays.
    const shown = (k: string) => selectable.has(k) && (!select || select.includes(k) || change.primaryKey.includes(k));
    const type = (k: string) => change.columns.find((c) => c.name === k)?.type ?? 'text';
    const only = (r: Record<string, unknown> | undefined, text: Change['recordText'], keep: (k: string) => boolean) =>
      Object.fromEntries(Object.entries(r ?? {}).filter(([k, v]) => shown(k) && keep(k)
        && (!tooLarge || (valueBytes(type(k), v, text?.[k]) ?? Infinity) <= KEPT_VALUE_BYTES)));
    const base = {
      schema: change.schema, table: change.table, commit_timestamp: change.commitTimestamp, type: change.type,
      columns: change.columns.filter((c) => shown(c.name)), errors: tooLarge ? [TOO_LARGE] : null,
    };
    const all = () => true;
    if (change.type === 'INSERT') return { ...base, record: only(change.record, change.recordText, all) };
    if (change.type === 'UPDATE') {
      return { ...base, record: only(change.record, change.recordText, all), old_record: only(change.oldRecord, change.oldRecordText, all) };
    }
    // With RLS on, a DELETE cannot be authorised, so only its key leaves the database.
    return { ...base, old_record: only(change.oldRecord, change.oldRecordText, (k) => !change.rlsEnabled || change.primaryKey.includes(k)) };
  }

  /** apply_rls's `octet_length(wal::text) > max_record_bytes`, for a change that reaches someone. */
  private tooLarge(change: Change): boolean {
    return Boolean(change.walColumns && change.walTimestamp) && overLimit(change, change.walColumns!, change.walTimestamp!, this.maxRecordBytes);
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
      const targets = await this.matching(change);
      if (!targets.length) continue;
      const groups = new Map<string, Group>();
      for (const t of targets) {
        const key = JSON.stringify(t.sub.claims);
        const g = groups.get(key) ?? { claims: t.sub.claims, members: [] };
        g.members.push(t);
        groups.set(key, g);
      }
      // One payload per role and select list, as apply_rls builds them.
      const perRole = new Map<string, { selectable: Set<string>; refusal?: string; payloads: Map<string, string> }>();
      const checked: Group[] = [];
      const out: { t: Target; text: string }[] = [];
      let verdicts: boolean[];
      try {
        for (const g of groups.values()) {
          const role = claimsRole(g.claims);
          if (!perRole.has(role)) {
            const selectable = await this.auth.selectable(change.schema, change.table, role);
            const error = this.refusal(change, selectable);
            perRole.set(role, { selectable, refusal: error && this.errorPayload(change, error), payloads: new Map() });
          }
          const { refusal } = perRole.get(role)!;
          if (refusal) for (const t of g.members) out.push({ t, text: refusal });
          else checked.push(g);
        }
        verdicts = await this.auth.visible(change, checked.map((g) => g.claims));
      } catch (err) {
        this.log(`rls check failed for ${change.table}: ${(err as Error).message}`);
        continue;
      }
      const tooLarge = checked.length > 0 && this.tooLarge(change);
      checked.forEach((g, i) => {
        if (!verdicts[i]) return;
        const role = perRole.get(claimsRole(g.claims))!;
        for (const t of g.members) {
          const key = t.select?.join(',') ?? '';
          let text = role.payloads.get(key);
          if (text === undefined) role.payloads.set(key, text = JSON.stringify(this.payload(change, role.selectable, t.select, tooLarge)));
          out.push({ t, text });
        }
      });
      if (!out.length) continue;
      // The database events limit: the real poller skips what it read while tripped, and otherwise
      // counts one per subscription id of each change (replication_poller.ex).
      if (this.gate && !this.gate.open()) {
        this.gate.dropped(out.length);
        continue;
      }
      this.gate?.passed(out.reduce((n, d) => n + d.t.ids.length, 0));
      for (const { t, text } of out) t.sub.deliver(text, t.ids);
    }
  }
}
