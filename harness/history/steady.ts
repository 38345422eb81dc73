import type { HistoryEntry } from '../schema/history.ts';

/** One DOM observation of the latency probe (fixtures/probe.ts); `at` is epoch ms. */
export interface Sighting { at: number; testid: string; id: string; updatedAt: string; status: string; event: string }
export interface Span { start: number; end: number }

const ROWS = new Set(['audio-row', 'run-row', 'audio-detail', 'usage-panel']);

/** A client's fault windows from a history: its own and those of no client (process faults); an open one never ends. */
export function faultSpans(entries: HistoryEntry[], client: string): Span[] {
  const open = new Map<string, number>();
  const spans: Span[] = [];
  for (const e of entries) {
    if (e.f !== 'fault' || (e.value.client !== undefined && e.value.client !== client)) continue;
    const key = `${String(e.value.kind)}:${String(e.value.client ?? '')}`;
    const t = Date.parse(e.wall);
    if (e.value.phase === 'start') open.set(key, open.get(key) ?? t);
    else if (e.value.phase === 'end' && open.has(key)) {
      spans.push({ start: open.get(key)!, end: t });
      open.delete(key);
    }
  }
  for (const start of open.values()) spans.push({ start, end: Infinity });
  return spans;
}

/**
 * The plan's budget is for steady state: commit → DOM samples of one browser for the changes it was
 * live for. A change counts when it was committed while this document showed `connected`, no fault
 * was active or had ended less than `graceMs` before, and it reached the DOM before that connected
 * spell ended. Commit time is the row's `updatedAt`. First sighting of each row version only.
 */
export function steadySamples(seen: Sighting[], faults: Span[], graceMs = 5_000): number[] {
  const ordered = [...seen].sort((a, b) => a.at - b.at);
  const live: Span[] = [];
  let since: number | undefined;
  for (const e of ordered) {
    // A new document (navigation, reload) ends the previous one's spell.
    const isStatus = e.testid === 'connection-status' && e.event !== 'removed';
    if (isStatus && e.status === 'connected') since ??= e.at;
    else if ((isStatus || e.testid === 'document') && since !== undefined) {
      live.push({ start: since, end: e.at });
      since = undefined;
    }
  }
  if (since !== undefined) live.push({ start: since, end: Infinity });
  const first = new Map<string, Sighting>();
  for (const e of ordered) {
    if (!ROWS.has(e.testid) || !e.updatedAt || e.event === 'removed') continue;
    const key = `${e.id}@${e.updatedAt}`;
    if (!first.has(key)) first.set(key, e);
  }
  const out: number[] = [];
  for (const e of first.values()) {
    const committed = Date.parse(e.updatedAt);
    const spell = live.find((s) => committed >= s.start && committed < s.end);
    if (!spell || e.at >= spell.end) continue;
    if (faults.some((f) => committed >= f.start && committed <= f.end + graceMs)) continue;
    out.push(Math.max(0, e.at - committed));
  }
  return out;
}
