import type { ChangeEngine } from './changes/engine.ts';
import { WindowLimiter, type Limits } from './limits.ts';
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
  readonly joins: WindowLimiter;
  readonly events: WindowLimiter;
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
    opts: { subscribeDelayMs?: number; policies?: ChannelPolicies; profile?: Profile } = {}) {
    this.subscribeDelayMs = opts.subscribeDelayMs ?? 0;
    this.profile = opts.profile ?? DEFAULT_PROFILE;
    this.policies = opts.policies;
    this.joins = new WindowLimiter(limits.maxJoinsPerSecond);
    this.events = new WindowLimiter(limits.maxEventsPerSecond);
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
    this.events.add();
    for (const ch of this.subscribers(`${TOPIC_PREFIX}${subTopic}`)) {
      if (ch.receivesBroadcast(isPrivate)) ch.conn.sendBroadcast(ch.topic, event, payload, meta);
    }
  }

}
