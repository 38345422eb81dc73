import type { SupabaseClient, RealtimeChannel } from '@supabase/supabase-js';
import { Store, type Snapshot } from './store.ts';
import { MutationQueue, type MutationKind, type QueuedMutation } from './queue.ts';
import type { KV } from './storage.ts';
import { connectionState } from './status.ts';
import { fromRow, type AudioFile, type ConnectionState, type Notice, type NoticeKind, type SyncResponse, type TranscriptRun, type Usage } from './types.ts';
import { canonTs } from './time.ts';
import { bugSwitch, type BugOn, type PlantedBug } from '../../../planted.ts';

export interface EngineDeps {
  userId: string;
  kv: KV;
  /** fetch against the app's own origin. */
  fetch: typeof fetch;
  supabase: SupabaseClient;
  online: () => boolean;
  uuid: () => string;
  /** The planted bug this engine runs with, if any (`/dev/login?planted=`, `SYNC_PLANTED`). */
  planted?: PlantedBug;
  record?: (e: { kind: string; table: string; id: string; updatedAt: string }) => void;
  /**
   * Fetches a fresh access token now and hands it to supabase-js: the server said the one it holds
   * has expired (a tab that slept past its refresh timer, realtime-js #246, #274).
   */
  renewToken?: () => Promise<void>;
  /** A second supabase client, as an app that starts over on a fresh one would make: planted bug new-client-on-error only. */
  newClient?: () => SupabaseClient;
}

/** The server's words for an expired token: the system message that ends a channel, or a refused join. */
const TOKEN_EXPIRED = /token has expired/i;

/**
 * Waits before trying again, by attempt: supabase-js's own rejoin steps. For subscribing a channel
 * the server ended, and for a reconcile fetch that failed.
 */
const RETRY_AFTER_MS = [1_000, 2_000, 5_000, 10_000];

type Listener = () => void;

/** A postgres_changes payload as supabase-js hands it over. */
interface RealtimeChange {
  eventType: string; new: Record<string, unknown>; old: Record<string, unknown>; commit_timestamp?: string;
  /** Set when the server could not send the row whole: `Error 413: Payload Too Large`, `Error 401: Unauthorized`. */
  errors?: string[] | null;
}

/** Thrown when the server could not be reached (or answered 5xx): the mutation stays queued. */
class Unreachable extends Error {}

/**
 * The plan's sync engine: realtime changes and REST sync into one last-write-wins store, an
 * ordered durable queue of optimistic mutations replayed one at a time, connection status, and
 * notifications for overwritten or refused writes. Framework-free; React only subscribes.
 */
export class SyncEngine {
  readonly store: Store;
  readonly queue: MutationQueue;
  notices: Notice[] = [];
  status: ConnectionState = 'connecting';
  private channel?: RealtimeChannel;
  /** Channels the server ended in a row (reset once one is subscribed): the resubscribe backoff step. */
  private endedInRow = 0;
  private resubscribeTimer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private pgReady = false;
  private listeners = new Set<Listener>();
  private replaying = false;
  private timer?: ReturnType<typeof setInterval>;
  private notifyScheduled = false;
  private wasConnected = false;
  /** The reconcile fetch of the current connection is done; `generation` counts connections. */
  private reconciled = false;
  private generation = 0;
  /** Deletes the server refused: the next hydration re-adds the row and says so. */
  private rejectedDeletes = new Set<string>();

  /** Whether a planted bug is on: the engine's and the views' one way to ask (reference/planted.ts). */
  readonly bugOn: BugOn;
  /**
   * The cache: one key a row (`file:<user>:<id>`, `run:<user>:<id>`), so a change writes only the
   * rows it touched, and `meta:<user>` for the sync cursor and usage. One store serves every
   * account of the browser profile: the user id in the keys keeps them apart.
   */
  private readonly rowScope: string;
  private readonly metaKey: string;
  /** Rows changed since the last cache write (`file:<id>` / `run:<id>`), and whether the cursor or usage did. */
  private dirty = new Set<string>();
  private dirtyMeta = false;
  private flushing = false;
  private flushWaiters: (() => void)[] = [];
  /** store.version as of the last render: what the page shows (SyncProvider re-renders on it). */
  shownVersion = 0;
  /** Planted bug stale-base: the version of each row the page first showed. */
  private firstShown = new Map<string, string>();

  // Not readonly: planted bug new-client-on-error swaps the supabase client.
  constructor(private d: EngineDeps) {
    this.bugOn = bugSwitch(d.planted);
    this.store = new Store({ ignoreUpdatedAt: this.bugOn('ignore-updated-at') });
    this.queue = new MutationQueue(d.kv, `queue:${d.userId}`, this.bugOn('overwrite-queue'));
    // Planted bug shared-cache-key: row ids are UUIDs, unique anyway, so the row keys go without the
    // user id; but loading scans `file:`, and so shows every account's cached rows.
    this.rowScope = this.bugOn('shared-cache-key') ? '' : `${d.userId}:`;
    this.metaKey = `meta:${d.userId}`;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Bursts of changes re-render once per frame-ish tick: nothing is lost, the newest state wins. */
  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    setTimeout(() => {
      this.notifyScheduled = false;
      // The page shows only what the cache already holds, so a reload never goes back to an older
      // version than the page showed: while a cache write is under way, it renders when done, and a
      // change not yet written (a notice asks for a render before the row it names is persisted) is
      // written first; the write ends with another changed().
      if (this.flushing) return;
      if (this.dirty.size || this.dirtyMeta) {
        void this.persist();
        return;
      }
      this.shownVersion = this.store.version;
      if (this.bugOn('stale-base')) for (const f of this.store.files.values()) if (f.updatedAt && !this.firstShown.has(f.id)) this.firstShown.set(f.id, f.updatedAt);
      for (const l of this.listeners) l();
    }, 16);
  }

  // ---- the cache: the store changes below mark what they touch; persist() writes it ----

  private putFile(f: AudioFile, lww = true): boolean {
    const applied = this.store.upsertFile(f, lww);
    if (applied) this.dirty.add(`file:${f.id}`);
    return applied;
  }

  private putRun(r: TranscriptRun, lww = true): boolean {
    const applied = this.store.upsertRun(r, lww);
    if (applied) this.dirty.add(`run:${r.id}`);
    return applied;
  }

  private putUsage(u: Usage): boolean {
    const applied = this.store.setUsage(u);
    if (applied) this.dirtyMeta = true;
    return applied;
  }

  /** A removed file takes its runs with it, in the cache too. */
  private dropFile(id: string, at = ''): void {
    this.dirty.add(`file:${id}`);
    for (const r of this.store.runsOf(id)) this.dirty.add(`run:${r.id}`);
    this.store.removeFile(id, at);
  }

  private dropRun(id: string): void {
    this.dirty.add(`run:${id}`);
    this.store.removeRun(id);
  }

  private rowKey(key: string): string {
    const [table, id] = key.split(':') as [string, string];
    return `${table}:${this.rowScope}${id}`;
  }

  /**
   * Writes every touched row as the store now holds it (gone: the key is deleted), with the cursor,
   * in one batch; resolves once that is on disk. Not debounced: a reload right after a change must
   * find it (the page renders a change only after this, see changed()).
   */
  private persist(): Promise<void> {
    const written = new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    if (!this.flushing) void this.flush();
    return written;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.dirty.size || this.dirtyMeta) {
        const ops: [string, unknown][] = [...this.dirty].map((key) => {
          const [table, id] = key.split(':') as [string, string];
          return [this.rowKey(key), table === 'file' ? this.store.files.get(id) : this.store.runs.get(id)];
        });
        if (this.dirtyMeta) ops.push([this.metaKey, { serverTime: this.store.serverTime, usage: this.store.usage }]);
        this.dirty.clear();
        this.dirtyMeta = false;
        const waiters = this.flushWaiters.splice(0);
        await this.d.kv.batch(ops).catch(() => {});
        for (const w of waiters) w();
      }
    } finally {
      this.flushing = false;
    }
    for (const w of this.flushWaiters.splice(0)) w();
    this.changed();
  }

  async start(): Promise<void> {
    await this.queue.load();
    this.notices = (await this.d.kv.get<Notice[]>(this.noticesKey).catch(() => undefined)) ?? [];
    const [audioFiles, transcriptRuns, meta] = await Promise.all([
      this.d.kv.scan<AudioFile>(`file:${this.rowScope}`),
      this.d.kv.scan<TranscriptRun>(`run:${this.rowScope}`),
      this.d.kv.get<Pick<Snapshot, 'serverTime' | 'usage'>>(this.metaKey),
    ]);
    this.store.load({ audioFiles, transcriptRuns, usage: meta?.usage ?? null, serverTime: meta?.serverTime ?? '' });
    // Re-apply what is still queued, so a reload while offline shows the same optimistic state.
    for (const m of this.queue.all()) {
      const cur = this.store.files.get(m.entityId);
      if (m.kind === 'delete') this.store.hide(m.entityId);
      else if (m.kind === 'rename' && cur) this.store.optimistic({ ...cur, name: String(m.payload.name) });
      else if (m.kind === 'create' && !cur) {
        this.store.optimistic({ id: m.entityId, userId: this.d.userId, name: String(m.payload.name), status: 'uploading', sizeBytes: null,
          durationMs: null, error: null, createdAt: canonTs(new Date(m.queuedAt).toISOString()), updatedAt: '' });
      }
    }
    this.changed();
    this.subscribeRealtime();
    this.timer = setInterval(() => this.tick(), 200);
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.resubscribeTimer);
    if (this.channel) void this.d.supabase.removeChannel(this.channel);
  }

  /**
   * The tab is back (shown again, resumed from frozen, restored from the back-forward cache): catch up
   * as after a reconnect. The live feed may have lost changes meanwhile without a word (production
   * drops database changes silently while a rate limit is tripped), so "still subscribed" proves nothing.
   * Planted bug trust-live-feed: a tab that stayed subscribed skips the catch-up.
   */
  wake(): void {
    if (!this.bugOn('trust-live-feed')) this.wasConnected = false;
    this.tick();
  }

  /** The server said the access token expired: a fresh one, unless the planted bug waits for its timer. */
  private tokenExpired(): void {
    if (!this.bugOn('sleep-stale-token')) void this.d.renewToken?.().catch(() => {});
  }

  /**
   * The server ended the channel (phx_close after a system error: token expired, rate limit, policy
   * change). supabase-js never rejoins a channel the server closed, so subscribe a new one, on the
   * same backoff supabase-js uses for its own rejoins. Planted bug closed-is-final: it stays closed.
   */
  private channelEnded(ch: RealtimeChannel): void {
    if (this.stopped || ch !== this.channel || this.bugOn('closed-is-final')) return;
    this.channel = undefined;
    void this.d.supabase.removeChannel(ch);
    const wait = RETRY_AFTER_MS[Math.min(this.endedInRow++, RETRY_AFTER_MS.length - 1)]!;
    this.resubscribeTimer = setTimeout(() => { if (!this.stopped) this.subscribeRealtime(); }, wait);
  }

  private subscribeRealtime(): void {
    const filter = `user_id=eq.${this.d.userId}`;
    const ch = this.d.supabase.channel(`user:${this.d.userId}`);
    const on = (table: string, event: string) => ch.on('postgres_changes' as never,
      { event, schema: 'public', table, filter } as never,
      (p: RealtimeChange) => this.onChange(table, p));
    on('audio_files', '*');
    on('transcript_runs', '*');
    on('usage_logs', 'UPDATE');
    // SUBSCRIBED only means the join was answered; changes flow once the postgres_changes ack arrives.
    const readyOnSubscribed = this.bugOn('ready-on-subscribed');
    ch.on('system' as never, {} as never, (m: { extension?: string; status?: string; message?: string }) => {
      if (m.status === 'error' && TOKEN_EXPIRED.test(String(m.message))) this.tokenExpired();
      if (m.extension === 'postgres_changes' && !readyOnSubscribed) {
        this.pgReady = m.status === 'ok';
        // A repeated ack means the server subscribed again (its change feed restarted, a token was
        // refreshed): changes of the gap may be lost, so catch up as after a reconnect.
        // Planted bug no-resync-on-ack: only a reconnect resyncs, as if the feed were lossless.
        if (m.status === 'ok' && !this.bugOn('no-resync-on-ack')) this.wasConnected = false;
      }
      this.tick();
    });
    ch.subscribe((state, err) => {
      if (state === 'SUBSCRIBED') this.endedInRow = 0;
      // A join refused for an expired token: supabase-js rejoins by itself, with whatever token it holds.
      if (state === 'CHANNEL_ERROR' && TOKEN_EXPIRED.test(String(err?.message))) this.tokenExpired();
      if (state === 'CLOSED') this.channelEnded(ch);
      // Planted bug give-up-on-channel-error: a refused join is taken as final and the channel is
      // removed, so supabase-js never rejoins once the database is back (realtime #1414).
      if (state === 'CHANNEL_ERROR' && this.bugOn('give-up-on-channel-error') && ch === this.channel) {
        this.channel = undefined;
        void this.d.supabase.removeChannel(ch);
      }
      // Planted bug new-client-on-error: "reset" the connection on a fresh client and subscribe
      // there, leaving the old channel, which supabase-js rejoins by itself once the link is back.
      if (state === 'CHANNEL_ERROR' && this.bugOn('new-client-on-error') && ch === this.channel && this.d.newClient && !this.stopped) {
        this.d = { ...this.d, supabase: this.d.newClient() };
        this.subscribeRealtime();
      }
      // The planted bug: ready (and so the reconcile fetch) on the join reply, before changes flow.
      if (readyOnSubscribed) this.pgReady = state === 'SUBSCRIBED';
      else if (state !== 'SUBSCRIBED') this.pgReady = false;
      this.tick();
    });
    this.channel = ch;
  }

  private onChange(table: string, p: RealtimeChange): void {
    // The planted bug: every payload is applied late, past the plan's 2 s budget (order is kept).
    // slow-usage: only the usage panel lags, which no assertion of its scenario times but its steady-state budget does.
    if (this.bugOn('slow-apply') || (this.bugOn('slow-usage') && table === 'usage_logs')) setTimeout(() => this.applyChange(table, p), 2_500);
    else this.applyChange(table, p);
  }

  private applyChange(table: string, p: RealtimeChange): void {
    if (table === 'usage_logs' && this.bugOn('ignore-usage-updates')) return;
    if (p.eventType === 'DELETE') {
      const id = String(p.old.id ?? '');
      // Planted bug unpersisted-delete: the row leaves the store but not the cache (the store is
      // called directly, past dropFile), so a reload shows it again until a sync reports the delete.
      if (table === 'audio_files' && this.bugOn('unpersisted-delete')) this.store.removeFile(id);
      // The tomb carries the delete's commit time: a sync response read before the delete, landing
      // after it, must not bring the row back (found by no-resurrection under the random workload).
      else if (table === 'audio_files') this.dropFile(id, p.commit_timestamp ? canonTs(String(p.commit_timestamp)) : '');
      else if (table === 'transcript_runs') this.dropRun(id);
      this.d.record?.({ kind: 'delete', table, id, updatedAt: '' });
    } else if (p.errors?.length && !this.bugOn('merge-partial-change')) {
      // Not the row: a row over max_record_bytes arrives as a 413 carrying only its small values (a
      // 401 without the columns the role may not select). Its version is newer than the cursor, so
      // the sync fetch brings it whole. Planted bug merge-partial-change takes the stub as the row.
      void this.resync();
      return;
    } else {
      const row = fromRow(table, p.new);
      const applied = table === 'audio_files' ? this.putFile(row as AudioFile)
        : table === 'transcript_runs' ? this.putRun(row as TranscriptRun) : this.putUsage(row as Usage);
      if (applied) this.d.record?.({ kind: p.eventType.toLowerCase(), table, id: String(p.new.id ?? p.new.user_id), updatedAt: canonTs(String(p.new.updated_at)) });
    }
    // Rendered once the cache holds it (persist() ends with changed()).
    void this.persist();
  }

  private realtimeUp(): boolean {
    const state = this.d.supabase.realtime.connectionState();
    return state === 'open' && this.channel?.state === 'joined' && this.pgReady;
  }

  /** Status from the socket's own state (plus navigator.onLine); a reconnect triggers sync + replay. */
  private tick(): void {
    const live = this.realtimeUp() && this.d.online();
    // Connected means changes flow and the reconcile fetch after (re)joining is done: "Live" over a
    // list that still misses what was committed while down would be a lie.
    const next = connectionState({
      online: this.d.online(), socket: this.d.supabase.realtime.connectionState(), up: live && this.reconciled, fakeConnected: this.bugOn('fake-connected'),
    });
    if (next !== this.status) {
      this.status = next;
      // Not coalesced like data: each connection state is shown, however briefly it lasts.
      for (const l of this.listeners) l();
    }
    if (live && !this.wasConnected) {
      this.wasConnected = true;
      void this.onReconnect(++this.generation);
    } else if (!live) {
      this.wasConnected = false;
      this.reconciled = false;
      this.generation++;
    }
    if (this.d.online() && this.queue.size > 0 && !this.replaying) void this.replay();
  }

  /** Set when the server could not be reached; the next successful contact is a reconnect. */
  private unreachableSince = 0;

  private async onReconnect(generation: number): Promise<void> {
    if (!this.bugOn('no-resync-on-reconnect') || !this.store.serverTime) {
      // Until it succeeds: the fetch can fail with the socket up (a 5xx, a dropped request), and a
      // page that took it as done would say it is connected over a list that misses the gap, with
      // nothing to bring the gap in until the next reconnect. Planted bug reconcile-once: one try.
      for (let attempt = 0; ; attempt++) {
        const ok = await this.syncFetch().then(() => true, () => false);
        if (ok || this.bugOn('reconcile-once')) break;
        await new Promise((r) => setTimeout(r, RETRY_AFTER_MS[Math.min(attempt, RETRY_AFTER_MS.length - 1)]));
        // Realtime dropped meanwhile (or the page stopped): the next reconnect reconciles again.
        if (this.stopped || generation !== this.generation) return;
      }
    }
    // Only if realtime has not dropped meanwhile; a later reconnect reconciles again.
    if (generation === this.generation) {
      this.reconciled = true;
      this.tick();
    }
    void this.replay();
  }

  /** A sync outside a reconnect; one that fails is made up for as after a reconnect, tried until it succeeds. */
  private async resync(): Promise<void> {
    await this.syncFetch().catch(() => {
      this.wasConnected = false;
    });
  }

  /** REST reconcile: everything changed since the last sync (first load: everything). */
  async syncFetch(): Promise<void> {
    const since = this.store.serverTime;
    const res = await this.d.fetch(`/api/sync${since ? `?since=${encodeURIComponent(since)}` : ''}`);
    if (!res.ok) throw new Unreachable(`sync ${res.status}`);
    const body = (await res.json()) as SyncResponse;
    const serverTime = canonTs(body.serverTime);
    if (!since) {
      // A full hydration: rows we hold that the server no longer has are gone (not pending creates,
      // nor rows newer than serverTime: realtime brought them after the response's snapshot).
      const present = new Set(body.audioFiles.map((f) => f.id));
      for (const f of [...this.store.files.values()]) if (!present.has(f.id) && !f.pending && !(canonTs(f.updatedAt) > serverTime)) this.dropFile(f.id);
    }
    // Planted bug stale-sync-overwrites: the sync's rows are taken as the server's truth, without
    // the last-write-wins check, so they overwrite newer versions realtime brought meanwhile.
    const lww = !this.bugOn('stale-sync-overwrites');
    // Planted bug no-readd-rejected-delete: a row whose delete the server refused is left out of
    // every hydration, so it never comes back.
    const left = this.bugOn('no-readd-rejected-delete') ? this.rejectedDeletes : new Set<string>();
    for (const f of body.audioFiles) if (!left.has(f.id)) this.putFile(f, lww);
    for (const r of body.transcriptRuns) this.putRun(r, lww);
    if (body.usage) this.putUsage(body.usage);
    for (const id of body.deleted.audioFiles) this.dropFile(id, serverTime);
    for (const id of body.deleted.transcriptRuns) this.dropRun(id);
    // Planted bug client-clock-cursor: the next `since` is the browser's clock, not the server's
    // cursor; with the browser minutes ahead, what changes meanwhile is never fetched.
    this.store.serverTime = this.bugOn('client-clock-cursor') ? canonTs(new Date().toISOString()) : serverTime;
    this.dirtyMeta = true;
    this.readdRejected(body.audioFiles);
    // Awaited: a reload right after must find the rows the queue builds on.
    await this.persist();
  }

  private readdRejected(rows: AudioFile[]): void {
    for (const id of this.rejectedDeletes) {
      const row = rows.find((f) => f.id === id);
      if (!row || this.bugOn('no-readd-rejected-delete')) continue;
      // Last-write-wins like any sync row: a newer version realtime brought after the response's
      // snapshot stays (replacing it with the snapshot's was found by monotonic-reads).
      this.putFile(row);
      this.rejectedDeletes.delete(id);
    }
  }

  /**
   * Notices are kept with the queue: a 409 answered while the page unloads (a reload, a navigation)
   * has already left the queue, so a notice held only in memory would never be seen (found by the
   * random workload's conflict-rule checker).
   */
  private get noticesKey(): string {
    return `notices:${this.d.userId}`;
  }

  async notify(kind: NoticeKind, entityId: string, message: string): Promise<void> {
    this.notices = [...this.notices, { id: this.d.uuid(), kind, entityId, message, at: Date.now() }];
    this.changed();
    await this.d.kv.set(this.noticesKey, this.notices).catch(() => {});
  }

  dismiss(id: string): void {
    this.notices = this.notices.filter((n) => n.id !== id);
    this.changed();
    void this.d.kv.set(this.noticesKey, this.notices).catch(() => {});
  }

  // ---- mutations: optimistic, queued, replayed in order ----

  private async enqueue(kind: MutationKind, entityId: string, payload: Record<string, unknown>, baseUpdatedAt?: string): Promise<void> {
    const m: QueuedMutation = { mutationId: this.d.uuid(), kind, entityId, payload, baseUpdatedAt, queuedAt: Date.now() };
    await this.queue.push(m);
    this.changed();
    void this.replay();
  }

  async create(name: string, bytes: ArrayBuffer | undefined, type = 'application/octet-stream'): Promise<string> {
    const id = this.d.uuid();
    const now = new Date().toISOString();
    this.store.optimistic({ id, userId: this.d.userId, name, status: 'uploading', sizeBytes: bytes?.byteLength ?? null, durationMs: null, error: null, createdAt: canonTs(now), updatedAt: '' });
    await this.enqueue('create', id, { name });
    if (bytes) {
      // Bytes travel inline in the queue so an offline upload survives a reload (IndexedDB stores them).
      await this.enqueue('upload', id, { bytes: Array.from(new Uint8Array(bytes)), type });
    }
    return id;
  }

  async rename(id: string, name: string): Promise<void> {
    const cur = this.store.files.get(id);
    if (!cur) return;
    this.store.optimistic({ ...cur, name });
    if (this.bugOn('keep-first-rename')) {
      // Planted bug: an unsent rename of the row is already queued, so this one is folded into it,
      // but the queued one keeps its (first) name: the page shows the last name, the server gets the first.
      const unsent = this.queue.all().find((m, i) => m.kind === 'rename' && m.entityId === id && !(i === 0 && this.replaying));
      if (unsent) return this.changed();
    }
    // Planted bug stale-base: the base is the version the page first showed, like a form's initial value.
    const base = this.bugOn('stale-base') ? this.firstShown.get(id) ?? cur.updatedAt : cur.updatedAt;
    await this.enqueue('rename', id, { name }, base);
  }

  async remove(id: string): Promise<void> {
    const cur = this.store.files.get(id);
    if (!cur) return;
    this.store.hide(id);
    await this.enqueue('delete', id, {}, cur.updatedAt);
  }

  async retry(id: string): Promise<void> {
    await this.enqueue('retry', id, {});
  }

  /** One at a time, strictly in order; a network failure leaves the head queued for the next attempt. */
  async replay(): Promise<void> {
    if (this.replaying || !this.d.online()) return;
    this.replaying = true;
    try {
      // Another tab of the profile may have queued mutations and closed before it could send them.
      await this.queue.load();
      for (;;) {
        const m = this.queue.peek(this.bugOn('queue-out-of-order'));
        if (!m) break;
        const mutationId = this.bugOn('double-apply') ? this.d.uuid() : m.mutationId;
        try {
          await this.send(m, mutationId);
        } catch (err) {
          if (err instanceof Unreachable) {
            this.unreachableSince ||= Date.now();
            break;
          }
          throw err;
        }
        await this.queue.remove(m.mutationId);
        if (this.bugOn('drop-queue-on-reconnect') && this.unreachableSince) {
          // The planted bug: the first request that gets through after a disconnect, and the rest is forgotten.
          await this.queue.clear();
        }
        this.unreachableSince = 0;
        this.changed();
      }
    } finally {
      this.replaying = false;
    }
  }

  private async request(method: string, url: string, body?: unknown, raw?: { bytes: Uint8Array; type: string }): Promise<Response> {
    let res: Response;
    try {
      res = await this.d.fetch(url, raw
        ? { method, body: raw.bytes as unknown as BodyInit, headers: { 'content-type': raw.type } }
        : { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    } catch (err) {
      throw new Unreachable((err as Error).message);
    }
    if (res.status >= 500) throw new Unreachable(`HTTP ${res.status}`);
    // Signed out, or signed in as another account since this page loaded: not applied, so the
    // mutation stays in this account's queue until it signs in again.
    if (res.status === 401) throw new Unreachable('HTTP 401');
    return res;
  }

  private async send(m: QueuedMutation, mutationId: string): Promise<void> {
    const base = `/api/audio-files/${m.entityId}`;
    let res: Response;
    switch (m.kind) {
      case 'create':
        res = await this.request('POST', '/api/audio-files', { mutationId, id: m.entityId, name: m.payload.name });
        break;
      case 'upload':
        res = await this.request('PUT', `${base}/content?mutationId=${mutationId}`, undefined,
          { bytes: new Uint8Array(m.payload.bytes as number[]), type: String(m.payload.type) });
        break;
      case 'rename':
        res = await this.request('PATCH', base, { mutationId, baseUpdatedAt: m.baseUpdatedAt, name: m.payload.name });
        break;
      case 'delete':
        res = await this.request('DELETE', base, { mutationId, baseUpdatedAt: m.baseUpdatedAt });
        break;
      case 'retry':
        res = await this.request('POST', `${base}/retry`, { mutationId });
        break;
    }
    await this.settle(m, res);
  }

  private async settle(m: QueuedMutation, res: Response): Promise<void> {
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    if (res.ok) {
      if (m.kind === 'delete') this.dropFile(m.entityId);
      if (m.kind === 'retry') this.putRun(body as TranscriptRun);
      else if (m.kind !== 'delete' && body) {
        const row = body as AudioFile;
        this.putFile(row);
        await this.queue.rebase(m.entityId, canonTs(row.updatedAt));
      }
      // In the cache before the mutation leaves the queue: a reload in between keeps the result.
      await this.persist();
      return;
    }
    if (res.status === 409 && body?.current) {
      // Last-write-wins: the newer server version stays, and the user is told.
      const current = body.current as AudioFile;
      if (m.kind === 'delete') {
        this.store.unhide(m.entityId);
        this.rejectedDeletes.add(m.entityId);
        await this.notify('rejected', m.entityId, body.reason === 'processing'
          ? `"${current.name}" is being processed and was not deleted`
          : `"${current.name}" changed on the server and was not deleted`);
        await this.resync();
        if (!this.store.files.has(m.entityId) && !this.bugOn('no-readd-rejected-delete')) this.putFile(current);
      } else {
        // Over the optimistic row; not over a version newer still that realtime brought meanwhile,
        // and the file's runs stay. An optimistic row may already carry current's updatedAt (realtime
        // brought it, then the user renamed on top): its name is still the refused one, so current
        // replaces it even at the same version.
        const held = this.store.files.get(m.entityId);
        const sameVersionOptimistic = held?.pending && canonTs(held.updatedAt) <= canonTs(current.updatedAt);
        this.putFile(current, !sameVersionOptimistic);
        if (!this.bugOn('no-conflict-notice')) {
          await this.notify('conflict', m.entityId, `"${current.name}" was changed elsewhere; the newer server version was kept`);
        }
      }
      await this.queue.rebase(m.entityId, canonTs(current.updatedAt));
      await this.persist();
      return;
    }
    const message = body?.error?.message ?? `request failed with ${res.status}`;
    if (m.kind === 'delete') this.store.unhide(m.entityId);
    if (m.kind === 'create' || m.kind === 'upload') {
      this.store.dropOptimistic(m.entityId);
      this.dirty.add(`file:${m.entityId}`);
      void this.persist();
    }
    await this.notify('error', m.entityId, message);
    await this.resync();
  }
}
