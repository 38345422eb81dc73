import type { ChangeEngine } from './changes/index.ts';
import { RateCounter, type Limits } from './limits.ts';
import type { Channel } from './channel.ts';

/** State shared by every socket of the one tenant this server serves. */
export class Tenant {
  readonly topics = new Map<string, Set<Channel>>();
  /** topic → presence key → phx_ref → meta */
  readonly presence = new Map<string, Map<string, Map<string, Record<string, unknown>>>>();
  readonly users = new Set<object>();
  readonly joins: RateCounter;
  readonly events: RateCounter;
  private refCounter = 0;

  constructor(readonly limits: Limits, readonly jwtSecret: string, readonly engine: ChangeEngine | undefined, readonly log: (s: string) => void) {
    this.joins = new RateCounter(limits.maxJoinsPerSecond);
    this.events = new RateCounter(limits.maxEventsPerSecond);
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

  stop(): void {
    this.joins.stop();
    this.events.stop();
  }
}
