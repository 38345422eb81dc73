import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { EVENTS, TOPIC_PREFIX } from './constants.ts';
import { checkToken } from './auth.ts';
import type { Connection } from './connection.ts';
import type { Tenant } from './tenant.ts';
import type { BindingSpec } from './changes/registry.ts';
import { dropDelivery } from './planted.ts';
import { noPolicies, type Extension, type Policies } from './policies.ts';
import { payloadTooLarge } from './limits.ts';
import { CLIENT_PRESENCE_LIMIT, ClientPresenceWindow, TOO_MANY_PRESENCE } from './limiter.ts';
import { UNABLE_TO_CONNECT } from './connect.ts';
import { sleep } from './timing.ts';

interface JoinConfig {
  broadcast?: { ack?: boolean; self?: boolean };
  presence?: { key?: string; enabled?: boolean };
  postgres_changes?: { event?: string; schema?: string; table?: string; filter?: string; select?: unknown }[];
  postgres_changes_options?: { wait?: boolean; timeout?: number };
  private?: boolean | string;
}

/**
 * The real server's `postgres_subscribe()` backoff, a random 1–3 s: after a token refresh, after
 * the change feed went down, and between retries while it is still down.
 */
const RESUBSCRIBE_MIN_MS = 1_000;
const RESUBSCRIBE_MAX_MS = 3_000;

/** After a subscribe error it pushed to the channel, the real server's `postgres_subscribe(5, 10)`. */
const SUBSCRIBE_ERROR_MIN_MS = 5_000;
const SUBSCRIBE_ERROR_MAX_MS = 10_000;
const between = (min: number, max: number) => min + Math.random() * (max - min);

/** `postgres_changes_options.wait`: how long the join reply is held by default, and at most. */
const WAIT_DEFAULT_MS = 15_000;
const WAIT_MAX_MS = 20_000;

type Activation = { live: true } | { refused: string } | { closed: true };

/** A stable integer per binding, as the real server's :erlang.phash2 of the params is. */
function bindingId(b: object): number {
  return createHash('sha1').update(JSON.stringify(b)).digest().readUInt32BE(0) & 0x7ffffff;
}

/**
 * The token a join is authorized with, chosen as RealtimeChannel.assign_access_token does: an opaque
 * `sb_` key (supabase-js sends its API key when there is no session) is no JWT, so the socket's own
 * token (the one the gateway swapped that key for) stands in; else user_token, then access_token,
 * then the socket's token.
 */
export function joinToken(p: { access_token?: unknown; user_token?: unknown }, socketToken: string): unknown {
  // Elixir's `||`: only nil and false give way.
  const given = p.access_token === undefined || p.access_token === null || p.access_token === false ? p.user_token : p.access_token;
  if (typeof given === 'string' && given.startsWith('sb_')) return socketToken;
  if (typeof p.user_token === 'string') return p.user_token;
  if (typeof p.access_token === 'string') return p.access_token;
  return socketToken;
}

/** One joined topic on one socket. */
export class Channel {
  readonly subTopic: string;
  private claims: JWTPayload = {};
  private token?: string;
  private expiryTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private resubscribeTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  /** The postgres_changes bindings once live, to subscribe again after the feed restarts. */
  private pgBindings?: ({ id: number } & Record<string, unknown>)[];
  private presenceKey = '';
  private presenceRefs = new Set<string>();
  ack = false;
  self = false;
  /** Joined with `config.private`: a private topic is another channel than the public one of its name. */
  isPrivate = false;
  /** A private channel's RLS verdicts (policies.ts), kept until the token changes. */
  policies: Policies = noPolicies();
  presenceEnabled = false;
  closed = false;
  /** This channel's presence messages per window (faithful; limiter.ts). */
  private readonly clientPresence: ClientPresenceWindow;

  constructor(readonly conn: Connection, readonly tenant: Tenant, readonly topic: string, readonly joinRef: string | null) {
    this.subTopic = topic.slice(TOPIC_PREFIX.length);
    this.clientPresence = new ClientPresenceWindow(tenant.limits.maxClientPresenceEventsPerWindow, tenant.limits.clientPresenceWindowMs);
  }

  private push(event: string, payload: unknown): void {
    this.conn.send({ joinRef: null, ref: null, topic: this.topic, event, payload });
  }

  private reply(ref: string | null, status: 'ok' | 'error', response: unknown): void {
    this.conn.send({ joinRef: this.joinRef, ref, topic: this.topic, event: EVENTS.reply, payload: { status, response } });
  }

  system(extension: string, status: 'ok' | 'error', message: string): void {
    this.push(EVENTS.system, { extension, status, message, channel: this.subTopic });
  }

  /** The real server's shutdown_response: a system error, then the channel stops (phx_close). */
  shutdown(message: string): void {
    if (this.closed) return;
    this.system(EVENTS.system, 'error', message);
    this.close(true);
  }

  close(notify: boolean): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiryTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.resubscribeTimer);
    this.unsubscribe?.();
    this.untrackAll();
    this.tenant.remove(this);
    this.conn.forget(this);
    if (notify) this.conn.send({ joinRef: this.joinRef, ref: this.joinRef, topic: this.topic, event: EVENTS.close, payload: {} });
  }

  async join(ref: string | null, payload: unknown): Promise<void> {
    const { tenant, conn } = this;
    const p = (payload && typeof payload === 'object' ? payload : {}) as { config?: JoinConfig; access_token?: string; user_token?: string };
    const config: JoinConfig = p.config ?? {};
    const fail = (reason: string) => { this.reply(ref, 'error', { reason }); this.close(false); };
    // The real server sleeps CHANNEL_ERROR_BACKOFF_MS before every join error reply; we only before
    // the database's, which a client retrying at once would otherwise hammer.
    const failLater = async (reason: string) => {
      await sleep(tenant.timing.channelErrorBackoffMs);
      if (!this.closed) fail(reason);
    };

    if (this.subTopic === '') return fail('TopicNameRequired: You must provide a topic name');
    if (!tenant.users.has(conn) && tenant.users.size >= tenant.limits.maxConcurrentUsers) {
      return fail('ConnectionRateLimitReached: Too many connected users');
    }
    if (!tenant.limiter.joinAllowed()) {
      fail('ClientJoinRateLimitReached: Too many joins per second');
      conn.disconnect();
      return;
    }
    if (conn.channelCount() > tenant.limits.maxChannelsPerClient) {
      return fail('ChannelRateLimitReached: Too many channels');
    }
    const token = joinToken(p, conn.apiKey);
    const check = await checkToken(tenant.jwt, token);
    if (!check.ok) return fail(`${check.code}: ${check.message}`);
    if (this.closed) return;
    this.token = typeof token === 'string' ? token : undefined;
    this.claims = check.claims;
    // Every real join goes through Connect.lookup_or_start_connection (connect.ts).
    if (tenant.connection) {
      const refusal = await tenant.connection.lookup();
      if (this.closed) return;
      if (refusal) return failLater(refusal);
    }

    this.isPrivate = config.private === true || config.private === 'true';
    this.ack = config.broadcast?.ack === true;
    this.self = config.broadcast?.self === true;
    this.presenceEnabled = config.presence?.enabled === true;
    this.presenceKey = config.presence?.key || crypto.randomUUID();
    if (this.isPrivate) {
      let refusal: string | undefined;
      try {
        // A private channel's policies are a query: it fails while the database is down, whatever Connect holds.
        if (tenant.profile === 'faithful' && tenant.engine && !tenant.engine.databaseReachable()) throw new Error('database unreachable');
        refusal = await this.authorizeRead();
      } catch {
        return failLater(UNABLE_TO_CONNECT);
      }
      if (this.closed) return;
      if (refusal) return fail(`Unauthorized: ${refusal}`);
    }
    this.armExpiry(check.expiresInMs);

    const requested = (config.postgres_changes ?? []).filter((b) => b && typeof b === 'object');
    const withIds = requested.map((b) => ({ ...b, id: bindingId(b) }));
    // The channel's pg_change_params, kept whether or not its subscription succeeds: a new token
    // subscribes them again.
    if (withIds.length) this.pgBindings = withIds;
    tenant.add(this);
    tenant.users.add(conn);
    tenant.limiter.joined();
    const delay = tenant.subscribeDelayFor(this.claims);
    const wait = config.postgres_changes_options?.wait === true && withIds.length > 0;
    if (wait) return this.joinWhenLive(ref, withIds, delay, config.postgres_changes_options?.timeout);
    this.reply(ref, 'ok', { postgres_changes: withIds });

    this.syncPresence();
    if (this.closed || !withIds.length) return;
    if (delay > 0) {
      // Changes committed in this window are not delivered, as on the real server before its ack.
      // Not awaited: this socket's later frames (heartbeat, access_token) are handled meanwhile.
      this.retryTimer = setTimeout(() => void this.activate(withIds), delay);
      return;
    }
    await this.activate(withIds);
  }

  /**
   * `postgres_changes_options.wait`: the join reply is held until the subscription is live, so
   * SUBSCRIBED means changes flow; a refusal, or no subscription within the timeout (clamped to the
   * server's maximum), rejects the join instead.
   */
  private async joinWhenLive(ref: string | null, bindings: ({ id: number } & Record<string, unknown>)[], delayMs: number, timeout?: number): Promise<void> {
    const ms = Math.min(Math.max(Number.isFinite(timeout) ? Number(timeout) : WAIT_DEFAULT_MS, 0), WAIT_MAX_MS);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<{ refused: string }>((resolve) => {
      timer = setTimeout(() => resolve({ refused: `PostgresChangesSubscribeTimeout: Timed out after ${ms} ms waiting for the postgres_changes subscription` }), ms);
    });
    const live = (async (): Promise<Activation> => {
      if (delayMs > 0) await new Promise((r) => { this.retryTimer = setTimeout(r, delayMs); });
      return this.closed ? { closed: true } : this.subscribeChanges(bindings, () => {});
    })();
    const result = await Promise.race([live, expired]);
    clearTimeout(timer);
    if ('closed' in result) return;
    if ('refused' in result) {
      this.reply(ref, 'error', { reason: result.refused });
      // Closing unsubscribes one that goes live later.
      this.close(false);
      return;
    }
    this.reply(ref, 'ok', { postgres_changes: bindings });
    this.syncPresence();
    if (!this.closed) this.system(EVENTS.postgresChanges, 'ok', 'Subscribed to PostgreSQL');
  }

  /** Without `wait`: the join was answered already; the outcome comes as a `system` message. */
  private async activate(bindings: ({ id: number } & Record<string, unknown>)[]): Promise<void> {
    if (this.tenant.profile === 'faithful' && this.tenant.engine && !this.tenant.engine.streaming()) {
      // The CDC workers are down: PostgresCdc.connect answers nil while they start, and the channel
      // retries every 1–3 s without a word until it can subscribe, then acks.
      this.pgBindings = bindings;
      return this.postgresSubscribe();
    }
    const result = await this.subscribeChanges(bindings, (message) => this.system(EVENTS.postgresChanges, 'error', message));
    if ('refused' in result) this.system(EVENTS.postgresChanges, 'error', result.refused);
    else if ('live' in result) this.system(EVENTS.postgresChanges, 'ok', 'Subscribed to PostgreSQL');
  }

  /**
   * Subscribes the bindings. While the database cannot be reached it reports each failure through
   * `onRetry` and tries again, as the real server does (it waits 5–10 s; we wait 1–2 s).
   */
  private async subscribeChanges(bindings: ({ id: number } & Record<string, unknown>)[], onRetry: (message: string) => void, retry = true): Promise<Activation> {
    const engine = this.tenant.engine;
    if (!engine) return { refused: 'Realtime was unable to connect to the project database' };
    const specs: BindingSpec[] = bindings.map((b) => ({
      id: b.id, event: String(b.event ?? ''), schema: String(b.schema ?? ''),
      table: b.table === undefined ? undefined : String(b.table), filter: b.filter === undefined ? undefined : String(b.filter),
      select: b.select,
    }));
    let result;
    try {
      result = await engine.subscribe(
        { id: `${this.conn.id}:${this.topic}:${this.joinRef}`, claims: this.claims, bindings: specs },
        (dataJson: string, ids: number[]) => this.deliverChange(dataJson, ids),
      );
    } catch (err) {
      if (this.closed) return { closed: true };
      onRetry(`Realtime was unable to connect to the project database: ${(err as Error).message}`);
      if (!retry) return { refused: 'Realtime was unable to connect to the project database' };
      await new Promise((r) => { this.retryTimer = setTimeout(r, 1000 + Math.random() * 1000); });
      return this.closed ? { closed: true } : this.subscribeChanges(bindings, onRetry);
    }
    if (this.closed) {
      if (result.ok) result.unsubscribe();
      return { closed: true };
    }
    if (!result.ok) return { refused: result.message };
    this.unsubscribe = result.unsubscribe;
    this.pgBindings = bindings;
    return { live: true };
  }

  /**
   * The change feed went down (faithful): the subscription is gone with it, as the real server's
   * subscriptions go with its CDC workers, and the channel subscribes again after 1–3 s. Changes
   * committed before that are not delivered to it.
   */
  postgresDown(): void {
    if (this.closed || !this.unsubscribe) return;
    this.unsubscribe();
    this.unsubscribe = undefined;
    clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = setTimeout(() => void this.postgresSubscribe(), between(RESUBSCRIBE_MIN_MS, RESUBSCRIBE_MAX_MS));
  }

  /**
   * The publication's tables changed (faithful): the engine dropped every subscription, and this
   * channel subscribes again at once (SubscriptionManager sends :postgres_subscribe), after the
   * subscribe delay if one is set; changes committed until then do not reach it. A binding whose
   * table left the publication is refused with a `system` error, and not retried.
   */
  publicationChanged(): void {
    // Only channels with a live subscription: the manager knows no other (a refused one is not retried).
    if (this.closed || !this.pgBindings || !this.unsubscribe) return;
    this.unsubscribe = undefined;
    clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = setTimeout(() => void this.postgresSubscribe(), this.tenant.subscribeDelayFor(this.claims));
  }

  /** The real `:postgres_subscribe`: silent retries until the feed is back, then the system ack again. */
  private async postgresSubscribe(): Promise<void> {
    const engine = this.tenant.engine;
    if (this.closed || !engine || !this.pgBindings || this.unsubscribe) return;
    if (!engine.streaming()) {
      // PostgresCdc.connect answers nil while the CDC workers start: retried in 1–3 s, nothing sent.
      this.resubscribeTimer = setTimeout(() => void this.postgresSubscribe(), between(RESUBSCRIBE_MIN_MS, RESUBSCRIBE_MAX_MS));
      return;
    }
    let failed: string | undefined;
    const result = await this.subscribeChanges(this.pgBindings, (message) => { failed = message; }, false);
    if ('live' in result) return this.system(EVENTS.postgresChanges, 'ok', 'Subscribed to PostgreSQL');
    if ('closed' in result) return;
    this.system(EVENTS.postgresChanges, 'error', failed ?? result.refused);
    if (failed) this.resubscribeTimer = setTimeout(() => void this.postgresSubscribe(), between(SUBSCRIBE_ERROR_MIN_MS, SUBSCRIBE_ERROR_MAX_MS));
  }

  private deliverChange(dataJson: string, ids: number[]): void {
    if (this.closed || dropDelivery()) return;
    this.conn.sendChange(this.topic, ids, dataJson);
  }

  /** The extensions a private channel's read is checked for: presence only once it is enabled. */
  private extensions(): Extension[] {
    return this.presenceEnabled ? ['broadcast', 'presence'] : ['broadcast'];
  }

  /**
   * Asks the RLS policies of realtime.messages whether this token may read the topic (afresh: a new
   * token forgets the old verdicts); the refusal's text when neither broadcast nor presence may.
   */
  private async authorizeRead(): Promise<string | undefined> {
    const refused = `You do not have permissions to read from this Channel topic: ${this.subTopic}`;
    if (!this.tenant.policies) return refused;
    this.policies = await this.tenant.policies.read({ topic: this.subTopic, claims: this.claims }, this.extensions(), noPolicies());
    return this.policies.broadcast.read || this.policies.presence.read ? undefined : refused;
  }

  /** Whether `other` may write `extension` to this private topic; asked once per token, as the real server caches it. */
  private async mayWrite(extension: Extension): Promise<boolean> {
    if (!this.isPrivate) return true;
    if (this.policies[extension].write === undefined) {
      if (!this.tenant.policies) return false;
      const asked: Extension[] = this.presenceEnabled || extension === 'presence' ? ['broadcast', 'presence'] : ['broadcast'];
      this.policies = await this.tenant.policies.write({ topic: this.subTopic, claims: this.claims }, asked, this.policies);
    }
    return this.policies[extension].write === true;
  }

  /** A broadcast sent to the public or private topic of this name reaches this channel. */
  receivesBroadcast(isPrivate: boolean): boolean {
    return !this.closed && this.isPrivate === isPrivate && (!isPrivate || this.policies.broadcast.read === true);
  }

  /** Presence state and diffs reach a public channel with presence on, and a private one only with presence read. */
  private readsPresence(): boolean {
    return this.presenceEnabled && (!this.isPrivate || this.policies.presence.read === true);
  }

  /** Presence is kept per topic and per kind: a private topic's members are not the public one's. */
  private get presenceTopic(): string {
    return this.isPrivate ? `private:${this.topic}` : this.topic;
  }

  private armExpiry(ms: number): void {
    clearTimeout(this.expiryTimer);
    // setTimeout cannot wait longer than ~24.8 days; a token living longer is re-armed on refresh.
    this.expiryTimer = setTimeout(() => this.shutdown('Token has expired 0 seconds ago'), Math.min(Math.max(ms, 0), 2 ** 31 - 1));
    this.expiryTimer.unref();
  }

  async accessToken(payload: unknown): Promise<void> {
    const token = (payload as { access_token?: unknown } | null)?.access_token;
    if (token === undefined || token === null || token === this.token) return;
    if (typeof token === 'string' && token.startsWith('sb_')) return;
    const check = await checkToken(this.tenant.jwt, token);
    if (!check.ok) return this.shutdown(check.message);
    this.token = token as string;
    this.claims = check.claims;
    if (this.isPrivate) {
      // The new claims are asked afresh; a read the old token had and this one lacks ends the channel.
      const before = this.policies;
      const refusal = await this.authorizeRead();
      if (this.closed) return;
      if (refusal) return this.shutdown(refusal);
      const revoked = (['broadcast', 'presence'] as const).some((e) => before[e].read === true && this.policies[e].read === false);
      if (revoked) return this.shutdown(`You no longer have permission to read from this Channel topic: ${this.subTopic}`);
    }
    this.armExpiry(check.expiresInMs);
    // The real server re-subscribes with the new claims a moment later and says so again; until
    // then its subscription rows hold the old claims, so changes go on being checked with those.
    if (!this.pgBindings?.length) return;
    clearTimeout(this.resubscribeTimer);
    if (!this.unsubscribe) {
      // No live subscription (the old claims were refused, e.g. anon may not select the filter's
      // column): the real handler calls postgres_subscribe() whatever came before, so the new
      // claims are tried afresh (realtime_channel.ex, handle_in "access_token").
      this.resubscribeTimer = setTimeout(() => void this.postgresSubscribe(), between(RESUBSCRIBE_MIN_MS, RESUBSCRIBE_MAX_MS));
      return;
    }
    this.resubscribeTimer = setTimeout(() => {
      if (this.closed) return;
      this.tenant.engine?.updateClaims(`${this.conn.id}:${this.topic}:${this.joinRef}`, this.claims);
      this.system(EVENTS.postgresChanges, 'ok', 'Subscribed to PostgreSQL');
    }, between(RESUBSCRIBE_MIN_MS, RESUBSCRIBE_MAX_MS));
  }

  async broadcast(ref: string | null, payload: unknown): Promise<void> {
    const p = payload as { type?: string; event?: unknown; payload?: unknown } | null;
    this.tenant.limiter.pushed(this);
    if (this.closed) return;
    if (!p || typeof p.event !== 'string') {
      if (this.ack) this.reply(ref, 'error', { reason: 'broadcast payload must have an event' });
      return;
    }
    // Without write permission the real server drops the message and answers nothing, even with ack.
    if (!(await this.mayWrite('broadcast')) || this.closed) return;
    if (payloadTooLarge(this.tenant.limits, p)) {
      // Dropped; with ack the sender hears why (BroadcastHandler's {:error, :payload_size_exceeded}).
      if (this.ack) this.reply(ref, 'error', 'payload_size_exceeded');
      return;
    }
    const reached: Channel[] = [];
    for (const other of this.tenant.subscribers(this.topic)) {
      if ((other === this && !this.self) || !other.receivesBroadcast(this.isPrivate)) continue;
      other.conn.sendBroadcast(other.topic, p.event, p.payload);
      reached.push(other);
    }
    if (this.ack) this.reply(ref, 'ok', {});
    // Each receiver counts it in its own process, after the sender's handle_in has replied.
    for (const other of reached) this.tenant.limiter.received(other);
  }

  async presence(ref: string | null, payload: unknown): Promise<void> {
    const p = payload as { event?: string; payload?: unknown } | null;
    const limiter = this.tenant.limiter;
    if (!limiter.faithful) limiter.presencePushed(this);
    // PresenceHandler.handle: every presence message with an event counts toward this channel's window first.
    else if (typeof p?.event === 'string' && !this.clientPresence.allow()) limiter.stop(this, CLIENT_PRESENCE_LIMIT);
    if (this.closed) return;
    if (p?.event === 'track') {
      if (this.isPrivate && this.policies.presence.write === undefined) {
        // Tracking turns presence on: its read is asked now if the join did not, then the writes.
        this.presenceEnabled = true;
        if (this.policies.presence.read === undefined && this.tenant.policies) {
          this.policies = await this.tenant.policies.read({ topic: this.subTopic, claims: this.claims }, ['presence'], this.policies);
        }
      }
      if (!(await this.mayWrite('presence'))) {
        if (!this.closed) this.reply(ref, 'error', {});
        return;
      }
      if (this.closed) return;
      if (!p.payload || typeof p.payload !== 'object' || Array.isArray(p.payload)) {
        this.reply(ref, 'error', { reason: 'Presence track payload must be a map' });
        return;
      }
      if (payloadTooLarge(this.tenant.limits, p.payload)) return this.shutdown('Track message size exceeded');
      if (limiter.faithful && !limiter.presenceAllowed()) return limiter.stop(this, TOO_MANY_PRESENCE);
      const left = this.dropTracked();
      const phxRef = this.tenant.nextRef();
      const meta = { ...(p.payload as Record<string, unknown>), phx_ref: phxRef };
      const topicState = this.tenant.presence.get(this.presenceTopic) ?? new Map();
      const metas = topicState.get(this.presenceKey) ?? new Map();
      metas.set(phxRef, meta);
      topicState.set(this.presenceKey, metas);
      this.tenant.presence.set(this.presenceTopic, topicState);
      this.presenceRefs.add(phxRef);
      this.reply(ref, 'ok', {});
      // One diff with both sides, so a re-track never shows the key as gone in between.
      this.presenceDiff({ [this.presenceKey]: { metas: [meta] } }, left.length ? { [this.presenceKey]: { metas: left } } : {});
    } else if (p?.event === 'untrack') {
      this.untrackAll();
      this.reply(ref, 'ok', {});
    } else {
      this.reply(ref, 'error', { reason: 'unknown presence event' });
    }
  }

  private untrackAll(): void {
    const left = this.dropTracked();
    if (left.length) this.presenceDiff({}, { [this.presenceKey]: { metas: left } });
  }

  private dropTracked(): Record<string, unknown>[] {
    if (!this.presenceRefs.size) return [];
    const topicState = this.tenant.presence.get(this.presenceTopic);
    const metas = topicState?.get(this.presenceKey);
    const left: Record<string, unknown>[] = [];
    for (const r of this.presenceRefs) {
      const m = metas?.get(r);
      if (m) left.push(m);
      metas?.delete(r);
    }
    this.presenceRefs.clear();
    if (metas && metas.size === 0) topicState?.delete(this.presenceKey);
    return left;
  }

  private presenceState(): Record<string, { metas: Record<string, unknown>[] }> {
    const state: Record<string, { metas: Record<string, unknown>[] }> = {};
    for (const [key, metas] of this.tenant.presence.get(this.presenceTopic) ?? []) state[key] = { metas: [...metas.values()] };
    return state;
  }

  private presenceDiff(joins: object, leaves: object): void {
    let delivered = 0;
    for (const other of this.tenant.subscribers(this.topic)) {
      if (other.isPrivate === this.isPrivate && other.readsPresence()) {
        other.push(EVENTS.presenceDiff, { joins, leaves });
        delivered++;
      }
    }
    this.tenant.limiter.presenceDelivered(delivered);
  }

  /** :sync_presence after a join: the presence state, itself a presence event (faithful: stopped over the limit). */
  private syncPresence(): void {
    if (!this.readsPresence()) return;
    const limiter = this.tenant.limiter;
    if (limiter.faithful && !limiter.presenceAllowed()) return limiter.stop(this, TOO_MANY_PRESENCE);
    this.push(EVENTS.presenceState, this.presenceState());
  }

  leave(ref: string | null): void {
    this.reply(ref, 'ok', {});
    this.close(true);
  }
}
