import { writeFile } from 'node:fs/promises';
import { HistoryEntry } from '../schema/history.ts';

/** Append-only history of one run; entries are validated as they are recorded. */
export class History {
  readonly entries: HistoryEntry[] = [];
  private readonly t0 = performance.now();

  add(process: string, type: HistoryEntry['type'], f: HistoryEntry['f'], value: Record<string, unknown>): HistoryEntry {
    const e = HistoryEntry.parse({
      index: this.entries.length, time: Math.round((performance.now() - this.t0) * 1000) / 1000,
      wall: new Date().toISOString(), process, type, f, value,
    });
    this.entries.push(e);
    return e;
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
