import type { SupabaseClient, RealtimeChannel } from '@supabase/supabase-js';
import { Store } from './store.ts';
import { MutationQueue, type MutationKind, type QueuedMutation } from './queue.ts';
import type { KV } from './storage.ts';
import { connectionState } from './status.ts';
import { fromRow, type AudioFile, type ConnectionState, type Notice, type NoticeKind, type SyncResponse, type TranscriptRun, type Usage } from './types.ts';
import { canonTs } from './time.ts';

export interface EngineDeps {
  userId: string;
  kv: KV;
  /** fetch against the app's own origin. */
  fetch: typeof fetch;
  supabase: SupabaseClient;
  online: () => boolean;
  uuid: () => string;
  mutant?: string;
  record?: (e: { kind: string; table: string; id: string; updatedAt: string }) => void;
}

type Listener = () => void;

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

  readonly mutant: string;

  constructor(private readonly d: EngineDeps) {
    this.mutant = d.mutant ?? '';
    this.store = new Store({ ignoreUpdatedAt: d.mutant === 'ignore-updated-at' });
    this.queue = new MutationQueue(d.kv, `queue:${d.userId}`);
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
      for (const l of this.listeners) l();
    }, 16);
  }

  async start(): Promise<void> {
    await this.queue.load();
    const cached = await this.d.kv.get<ReturnType<Store['snapshot']>>(`snapshot:${this.d.userId}`);
    if (cached) this.store.load(cached);
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
    clearInterval(this.timer);
    if (this.channel) void this.d.supabase.removeChannel(this.channel);
  }

  private subscribeRealtime(): void {
    const filter = `user_id=eq.${this.d.userId}`;
    const ch = this.d.supabase.channel(`user:${this.d.userId}`);
    const on = (table: string, event: string) => ch.on('postgres_changes' as never,
      { event, schema: 'public', table, filter } as never,
      (p: { eventType: string; new: Record<string, unknown>; old: Record<string, unknown> }) => this.onChange(table, p));
    on('audio_files', '*');
    on('transcript_runs', '*');
    on('usage_logs', 'UPDATE');
    // SUBSCRIBED only means the join was answered; changes flow once the postgres_changes ack arrives.
    const readyOnSubscribed = this.d.mutant === 'ready-on-subscribed';
    ch.on('system' as never, {} as never, (m: { extension?: string; status?: string }) => {
      if (m.extension === 'postgres_changes' && !readyOnSubscribed) this.pgReady = m.status === 'ok';
      this.tick();
    });
    ch.subscribe((state) => {
      // The planted bug: ready (and so the reconcile fetch) on the join reply, before changes flow.
      if (readyOnSubscribed) this.pgReady = state === 'SUBSCRIBED';
      else if (state !== 'SUBSCRIBED') this.pgReady = false;
      this.tick();
    });
    this.channel = ch;
  }

  private onChange(table: string, p: { eventType: string; new: Record<string, unknown>; old: Record<string, unknown> }): void {
    // The planted bug: every payload is applied late, past the plan's 2 s budget (order is kept).
    // slow-usage: only the usage panel lags, which no assertion of its scenario times but its steady-state budget does.
    if (this.d.mutant === 'slow-apply' || (this.d.mutant === 'slow-usage' && table === 'usage_logs')) setTimeout(() => this.applyChange(table, p), 2_500);
    else this.applyChange(table, p);
  }

  private applyChange(table: string, p: { eventType: string; new: Record<string, unknown>; old: Record<string, unknown> }): void {
    if (table === 'usage_logs' && this.d.mutant === 'ignore-usage-updates') return;
    if (p.eventType === 'DELETE') {
      const id = String(p.old.id ?? '');
      if (table === 'audio_files') this.store.removeFile(id);
      else if (table === 'transcript_runs') this.store.removeRun(id);
      this.d.record?.({ kind: 'delete', table, id, updatedAt: '' });
    } else {
      const row = fromRow(table, p.new);
      const applied = table === 'audio_files' ? this.store.upsertFile(row as AudioFile)
        : table === 'transcript_runs' ? this.store.upsertRun(row as TranscriptRun) : this.store.setUsage(row as Usage);
      if (applied) this.d.record?.({ kind: p.eventType.toLowerCase(), table, id: String(p.new.id ?? p.new.user_id), updatedAt: canonTs(String(p.new.updated_at)) });
    }
    this.persist();
    this.changed();
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
      online: this.d.online(), socket: this.d.supabase.realtime.connectionState(), up: live && this.reconciled, fakeConnected: this.d.mutant === 'fake-connected',
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
    if (this.d.mutant !== 'no-resync-on-reconnect' || !this.store.serverTime) await this.syncFetch().catch(() => {});
    // Only if realtime has not dropped meanwhile; a later reconnect reconciles again.
    if (generation === this.generation) {
      this.reconciled = true;
      this.tick();
    }
    void this.replay();
  }

  /** REST reconcile: everything changed since the last sync (first load: everything). */
  async syncFetch(): Promise<void> {
    const since = this.store.serverTime;
    const res = await this.d.fetch(`/api/sync${since ? `?since=${encodeURIComponent(since)}` : ''}`);
    if (!res.ok) throw new Unreachable(`sync ${res.status}`);
    const body = (await res.json()) as SyncResponse;
    if (!since) {
      // A full hydration: rows we hold that the server no longer has are gone (not for pending creates).
      const present = new Set(body.audioFiles.map((f) => f.id));
      for (const f of this.store.files.values()) if (!present.has(f.id) && !f.pending) this.store.removeFile(f.id);
    }
    for (const f of body.audioFiles) this.store.upsertFile(f);
    for (const r of body.transcriptRuns) this.store.upsertRun(r);
    if (body.usage) this.store.setUsage(body.usage);
    for (const id of body.deleted.audioFiles) this.store.removeFile(id, canonTs(body.serverTime));
    for (const id of body.deleted.transcriptRuns) this.store.removeRun(id);
    this.store.serverTime = canonTs(body.serverTime);
    this.readdRejected(body.audioFiles);
    // Written at once (not debounced): a reload right after must find the rows the queue builds on.
    await this.d.kv.set(`snapshot:${this.d.userId}`, this.store.snapshot()).catch(() => {});
    this.changed();
  }

  private readdRejected(rows: AudioFile[]): void {
    for (const id of this.rejectedDeletes) {
      const row = rows.find((f) => f.id === id);
      if (!row || this.d.mutant === 'no-readd-rejected-delete') continue;
      this.store.removeFile(id);
      this.store.upsertFile(row);
      this.rejectedDeletes.delete(id);
    }
  }

  private persistScheduled = false;
  private persist(): void {
    if (this.persistScheduled) return;
    this.persistScheduled = true;
    setTimeout(() => {
      this.persistScheduled = false;
      void this.d.kv.set(`snapshot:${this.d.userId}`, this.store.snapshot()).catch(() => {});
    }, 250);
  }

  notify(kind: NoticeKind, entityId: string, message: string): void {
    this.notices = [...this.notices, { id: this.d.uuid(), kind, entityId, message, at: Date.now() }];
    this.changed();
  }

  dismiss(id: string): void {
    this.notices = this.notices.filter((n) => n.id !== id);
    this.changed();
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
    await this.enqueue('rename', id, { name }, cur.updatedAt);
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
      for (;;) {
        const m = this.queue.peek(this.d.mutant === 'queue-out-of-order');
        if (!m) break;
        const mutationId = this.d.mutant === 'double-apply' ? this.d.uuid() : m.mutationId;
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
        if (this.d.mutant === 'drop-queue-on-reconnect' && this.unreachableSince) {
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
      if (m.kind === 'delete') this.store.removeFile(m.entityId);
      if (m.kind === 'retry') this.store.upsertRun(body as TranscriptRun);
      else if (m.kind !== 'delete' && body) {
        const row = body as AudioFile;
        this.store.upsertFile(row);
        await this.queue.rebase(m.entityId, canonTs(row.updatedAt));
      }
      this.persist();
      return;
    }
    if (res.status === 409 && body?.current) {
      // Last-write-wins: the newer server version stays, and the user is told.
      const current = body.current as AudioFile;
      if (m.kind === 'delete') {
        this.store.unhide(m.entityId);
        this.rejectedDeletes.add(m.entityId);
        this.notify('rejected', m.entityId, body.reason === 'processing'
          ? `"${current.name}" is being processed and was not deleted`
          : `"${current.name}" changed on the server and was not deleted`);
        await this.syncFetch().catch(() => {});
        if (!this.store.files.has(m.entityId) && this.d.mutant !== 'no-readd-rejected-delete') this.store.upsertFile(current);
      } else {
        this.store.removeFile(m.entityId);
        this.store.upsertFile(current);
        if (this.d.mutant !== 'no-conflict-notice') {
          this.notify('conflict', m.entityId, `"${current.name}" was changed elsewhere; the newer server version was kept`);
        }
      }
      await this.queue.rebase(m.entityId, canonTs(current.updatedAt));
      this.changed();
      return;
    }
    const message = body?.error?.message ?? `request failed with ${res.status}`;
    if (m.kind === 'delete') this.store.unhide(m.entityId);
    if (m.kind === 'create' || m.kind === 'upload') this.store.dropOptimistic(m.entityId);
    this.notify('error', m.entityId, message);
    await this.syncFetch().catch(() => {});
  }
}
