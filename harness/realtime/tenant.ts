import type { ChangeEngine } from './changes/engine.ts';
import type { Limits } from './limits.ts';
import { Limiter } from './limiter.ts';
import type { ProjectConnection } from './connect.ts';
import { REAL_TIMING, type Timing } from './timing.ts';
import type { Channel } from './channel.ts';
import type { JwtKeys } from './auth.ts';
import type { ChannelPolicies } from './policies.ts';
import { TOPIC_PREFIX } from './constants.ts';
import { DEFAULT_PROFILE, type Profile } from './profile.ts';

/** State shared by every socket of the one tenant this server serves. */
export class Tenant {
  readonly topics = new Map<string, Set<Channel>>();
  /** presence topic (Channel.presenceTopic: private and public apart) → presence key → phx_ref → meta */
  readonly presence = new Map<string, Map<string, Map<string, Record<string, unknown>>>>();
  readonly users = new Set<object>();
  /** The rate limits, counted as the profile says (limiter.ts). */
  readonly limiter: Limiter;
  /** The real server's waits, or a test's shorter ones (timing.ts). */
  readonly timing: Timing;
  /** The tenant's database connection as the real Connect process keeps it (faithful only; connect.ts). */
  readonly connection?: ProjectConnection;
  private refCounter = 0;

  /**
   * Milliseconds between the join reply and activating postgres_changes (then the `system` ack).
   * The real server has such a window; a harness widens it to test clients that treat SUBSCRIBED as ready.
   */
  readonly subscribeDelayMs: number;
  /** Per user (JWT `sub`), set through the control endpoint (control.ts); wins over subscribeDelayMs. */
  readonly subscribeDelays = new Map<string, number>();

  /** How faithfully this server fails (profile.ts). */
  readonly profile: Profile;

  /** RLS on realtime.messages, which authorizes private channels; without a database none may join. */
  readonly policies?: ChannelPolicies;

  constructor(readonly limits: Limits, readonly jwt: JwtKeys, readonly engine: ChangeEngine | undefined, readonly log: (s: string) => void,
    opts: { subscribeDelayMs?: number; policies?: ChannelPolicies; profile?: Profile; timing?: Timing; connection?: ProjectConnection; limiter?: Limiter } = {}) {
    this.subscribeDelayMs = opts.subscribeDelayMs ?? 0;
    this.profile = opts.profile ?? DEFAULT_PROFILE;
    this.policies = opts.policies;
    this.timing = opts.timing ?? REAL_TIMING;
    this.connection = opts.connection;
    this.limiter = opts.limiter ?? new Limiter(limits, this.profile, this.timing, log);
  }

  subscribeDelayFor(claims: { sub?: unknown }): number {
    return this.subscribeDelays.get(String(claims.sub)) ?? this.subscribeDelayMs;
  }

  /**
   * The change feed went down (faithful only): every channel hears of it, as the real server's
   * channels get `postgres_cdc_rls_down` when the tenant's CDC workers stop.
   */
  postgresDown(): void {
    for (const set of this.topics.values()) for (const ch of set) ch.postgresDown();
  }

  /**
   * Reads the publication's tables (the periodic check, and the publication-change fault with
   * `force` for a simulated change). Under faithful a change re-creates every subscription: the
   * engine drops them all and each channel subscribes again at once, as SubscriptionManager's
   * :check_oids sends them :postgres_subscribe. Under ideal the subscriptions stay as they are.
   */
  async checkPublication(force = false): Promise<{ changed: boolean; tables: string[] }> {
    if (!this.engine) return { changed: false, tables: [] };
    if (this.profile !== 'faithful') return { changed: false, tables: await this.engine.publishedTables() };
    const result = await this.engine.checkPublication(force);
    if (result.changed) {
      this.log(`publication changed (${result.tables.join(', ') || 'no tables'}): every subscription is re-created`);
      for (const set of this.topics.values()) for (const ch of set) ch.publicationChanged();
    }
    return result;
  }

  nextRef(): string {
    return String(++this.refCounter);
  }

  add(channel: Channel): void {
    const set = this.topics.get(channel.topic) ?? new Set();
    set.add(channel);
    this.topics.set(channel.topic, set);
  }

  remove(channel: Channel): void {
    const set = this.topics.get(channel.topic);
    set?.delete(channel);
    if (set && set.size === 0) this.topics.delete(channel.topic);
  }

  subscribers(topic: string): Channel[] {
    return [...(this.topics.get(topic) ?? [])];
  }

  /**
   * A message from outside any channel (REST, the database) to a topic's subscribers: a public
   * message to the public channel, a private one to the private channel's members that may read it.
   */
  broadcast(subTopic: string, event: string, payload: unknown, isPrivate: boolean, meta?: Record<string, unknown>): void {
    this.limiter.counted();
    for (const ch of this.subscribers(`${TOPIC_PREFIX}${subTopic}`)) {
      if (!ch.receivesBroadcast(isPrivate)) continue;
      ch.conn.sendBroadcast(ch.topic, event, payload, meta);
      this.limiter.received(ch);
    }
  }

}
