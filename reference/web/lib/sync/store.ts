import { canonTs, newer } from './time.ts';
import type { AudioFile, TranscriptRun, Usage } from './types.ts';

/** What the cache holds of the server state (the engine keeps it a row a key). */
export interface Snapshot { audioFiles: AudioFile[]; transcriptRuns: TranscriptRun[]; usage: Usage | null; serverTime: string }

/**
 * The client's copy of the server state. Last-write-wins by the server's updatedAt: a payload
 * older than (or as old as) the held row is ignored, and a row deleted at or after a payload's time
 * is not brought back by it.
 */
export class Store {
  files = new Map<string, AudioFile>();
  runs = new Map<string, TranscriptRun>();
  usage: Usage | null = null;
  private gone = new Map<string, string>();
  /** Rows with a delete still queued: they stay removed whatever arrives meanwhile. */
  private hidden = new Set<string>();
  serverTime = '';
  version = 0;

  constructor(private readonly opts: { ignoreUpdatedAt?: boolean } = {}) {}

  private accept(held: { updatedAt: string; pending?: boolean } | undefined, incoming: string): boolean {
    if (this.opts.ignoreUpdatedAt) return true;
    if (!held) return true;
    return newer(incoming, canonTs(held.updatedAt));
  }

  /** `lww` false: the planted bug stale-sync-overwrites, which takes a sync's rows as they come. */
  upsertFile(f: AudioFile, lww = true): boolean {
    const row = { ...f, updatedAt: canonTs(f.updatedAt), createdAt: canonTs(f.createdAt) };
    if (this.hidden.has(row.id)) return false;
    const tomb = this.gone.get(row.id);
    if (tomb && !this.opts.ignoreUpdatedAt && row.updatedAt <= tomb) return false;
    if (lww && !this.accept(this.files.get(row.id), row.updatedAt)) return false;
    this.gone.delete(row.id);
    this.files.set(row.id, { ...row, pending: false });
    this.version++;
    return true;
  }

  upsertRun(r: TranscriptRun, lww = true): boolean {
    const row = { ...r, updatedAt: canonTs(r.updatedAt), createdAt: canonTs(r.createdAt) };
    if (lww && !this.accept(this.runs.get(row.id), row.updatedAt)) return false;
    this.runs.set(row.id, row);
    this.version++;
    return true;
  }

  setUsage(u: Usage): boolean {
    const row = { ...u, updatedAt: canonTs(u.updatedAt) };
    if (!this.accept(this.usage ?? undefined, row.updatedAt)) return false;
    this.usage = row;
    this.version++;
    return true;
  }

  /**
   * `at`: when the server deleted it, if known; a later write of the same id may still win. The
   * tomb keeps the newest time it was told: a sync reporting the delete stamps it with its cursor,
   * which may be older than the delete's commit the realtime DELETE gave, and an older tomb let a
   * sync response read before the delete, landing last, bring the row back (found by
   * no-resurrection under the random workload, seed 1103).
   */
  removeFile(id: string, at = ''): void {
    if (this.files.delete(id)) this.version++;
    const was = this.gone.get(id) ?? '';
    this.gone.set(id, at > was ? at : was);
    for (const [rid, r] of this.runs) if (r.audioFileId === id) this.runs.delete(rid);
  }

  removeRun(id: string): void {
    if (this.runs.delete(id)) this.version++;
  }

  /** An optimistic local change, shown at once and marked pending until the server answers. */
  optimistic(f: AudioFile): void {
    this.files.set(f.id, { ...f, pending: true });
    this.version++;
  }

  hide(id: string): void {
    this.hidden.add(id);
    if (this.files.delete(id)) this.version++;
  }

  unhide(id: string): void {
    this.hidden.delete(id);
  }

  isHidden(id: string): boolean {
    return this.hidden.has(id);
  }

  dropOptimistic(id: string): void {
    if (this.files.delete(id)) this.version++;
  }

  load(s: Snapshot): void {
    for (const f of s.audioFiles) this.files.set(f.id, f);
    for (const r of s.transcriptRuns) this.runs.set(r.id, r);
    this.usage = s.usage;
    this.serverTime = s.serverTime;
    this.version++;
  }

  sortedFiles(): AudioFile[] {
    return [...this.files.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  }

  runsOf(fileId: string): TranscriptRun[] {
    return [...this.runs.values()].filter((r) => r.audioFileId === fileId).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }
}
