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

/** Optimistic mutations in their original order, persisted so a reload while offline keeps them. */
export class MutationQueue {
  private items: QueuedMutation[] = [];
  constructor(private readonly kv: KV, private readonly key: string) {}

  async load(): Promise<void> {
    this.items = (await this.kv.get<QueuedMutation[]>(this.key)) ?? [];
  }

  private save(): Promise<void> {
    return this.kv.set(this.key, this.items);
  }

  async push(m: QueuedMutation): Promise<void> {
    this.items.push(m);
    await this.save();
  }

  peek(reverse = false): QueuedMutation | undefined {
    return reverse ? this.items[this.items.length - 1] : this.items[0];
  }

  async remove(mutationId: string): Promise<void> {
    this.items = this.items.filter((m) => m.mutationId !== mutationId);
    await this.save();
  }

  async clear(): Promise<void> {
    this.items = [];
    await this.save();
  }

  /** Later queued mutations of a row build on this one's result. */
  async rebase(entityId: string, updatedAt: string): Promise<void> {
    for (const m of this.items) if (m.entityId === entityId && m.baseUpdatedAt !== undefined) m.baseUpdatedAt = updatedAt;
    await this.save();
  }

  get size(): number {
    return this.items.length;
  }

  all(): readonly QueuedMutation[] {
    return this.items;
  }
}
