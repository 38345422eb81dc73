import type { KV } from './storage.ts';

export type MutationKind = 'create' | 'upload' | 'rename' | 'delete' | 'retry';

export interface QueuedMutation {
  mutationId: string;
  kind: MutationKind;
  entityId: string;
  /** The server updatedAt the client last saw for this row (contract section 4). */
  baseUpdatedAt?: string;
  payload: Record<string, unknown>;
  queuedAt: number;
}

/**
 * Optimistic mutations in their original order, persisted so a reload while offline keeps them.
 * Every tab of a browser profile shares the stored queue: each change is made to the stored list as
 * one read-and-write (KV.update), and `items` is that list, other tabs' mutations included. A tab
 * that wrote its own copy over it would drop what another tab queued meanwhile; once that tab
 * closed, nothing would send it.
 */
export class MutationQueue {
  private items: QueuedMutation[] = [];
  /** `overwrite`: planted bug overwrite-queue, each change writes this tab's copy over the stored list. */
  constructor(private readonly kv: KV, private readonly key: string, private readonly overwrite = false) {}

  /** The stored queue, with what other tabs of the profile queued since this one last looked. */
  async load(): Promise<void> {
    this.items = (await this.kv.get<QueuedMutation[]>(this.key)) ?? [];
  }

  private async change(f: (items: QueuedMutation[]) => QueuedMutation[]): Promise<void> {
    if (this.overwrite) {
      this.items = f(this.items);
      return this.kv.set(this.key, this.items);
    }
    this.items = await this.kv.update<QueuedMutation[]>(this.key, (stored) => f(stored ?? []));
  }

  async push(m: QueuedMutation): Promise<void> {
    await this.change((items) => [...items, m]);
  }

  peek(reverse = false): QueuedMutation | undefined {
    return reverse ? this.items[this.items.length - 1] : this.items[0];
  }

  async remove(mutationId: string): Promise<void> {
    await this.change((items) => items.filter((m) => m.mutationId !== mutationId));
  }

  async clear(): Promise<void> {
    await this.change(() => []);
  }

  /** Later queued mutations of a row build on this one's result. */
  async rebase(entityId: string, updatedAt: string): Promise<void> {
    await this.change((items) => items.map((m) => (m.entityId === entityId && m.baseUpdatedAt !== undefined ? { ...m, baseUpdatedAt: updatedAt } : m)));
  }

  get size(): number {
    return this.items.length;
  }

  all(): readonly QueuedMutation[] {
    return this.items;
  }
}
