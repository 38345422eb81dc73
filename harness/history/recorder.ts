import { writeFile } from 'node:fs/promises';
import { HistoryEntry } from '../schema/history.ts';

/**
 * The client operations of a history: UI steps a client performed (a step the UI did not offer,
 * recorded `info` as skipped, is none). The unit of `explore`'s throughput and of the checkers' bench.
 */
export const clientOperations = (h: readonly HistoryEntry[]): number => h.filter((e) => e.f === 'ui' && e.type === 'ok').length;

/**
 * Append-only history of one run; entries are validated as they are recorded. Every process of the
 * run writes here (browser clients, server-side writers, the worker, the nemesis), so `time` and
 * `wall` come from this process's clocks unless the caller knows better (`at`, epoch ms: a DOM
 * observation carries the moment the page saw it).
 */
export class History {
  readonly entries: HistoryEntry[] = [];
  private readonly t0 = performance.now();
  private readonly wall0 = Date.now();

  add(process: string, type: HistoryEntry['type'], f: HistoryEntry['f'], value: Record<string, unknown>, at?: number): HistoryEntry {
    const now = at ?? Date.now();
    const time = at === undefined ? performance.now() - this.t0 : at - this.wall0;
    const e = HistoryEntry.parse({
      index: this.entries.length, time: Math.round(time * 1000) / 1000,
      wall: new Date(now).toISOString(), process, type, f, value,
    });
    this.entries.push(e);
    return e;
  }

  /** One process's entries of some kinds, in order. */
  of(process: string, ...fs: HistoryEntry['f'][]): HistoryEntry[] {
    return this.entries.filter((e) => e.process === process && (!fs.length || fs.includes(e.f)));
  }

  toJSONLines(): string {
    return this.entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
  }

  save(path: string): Promise<void> {
    return writeFile(path, this.toJSONLines());
  }

  static parse(text: string): HistoryEntry[] {
    return text.split('\n').filter(Boolean).map((l) => HistoryEntry.parse(JSON.parse(l)));
  }
}
