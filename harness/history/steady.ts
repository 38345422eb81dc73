import type { HistoryEntry } from '../schema/history.ts';
import { VERSIONED_TESTIDS } from './testids.ts';

/** How long after a fault ends its effects may still show: the steady state starts after it. */
export const FAULT_GRACE_MS = 5_000;

/** One DOM observation of the latency probe (fixtures/probe.ts); `at` is epoch ms. */
export interface Sighting {
  at: number; testid: string; id: string; updatedAt: string; status: string; event: string; index?: number;
  /** The page's path when seen: a page the app routes to on the client keeps its document. */
  path?: string;
}
export interface Span { start: number; end: number }
/** One steady-state sample: commit → first sighting, and the history entry of that sighting if known. */
export interface Sample { ms: number; index?: number }

const VERSIONED: ReadonlySet<string> = new Set(VERSIONED_TESTIDS);

/** A client's fault windows from a history: its own and those of no client (process faults); an open one never ends. */
export function faultSpans(entries: readonly HistoryEntry[], client: string): Span[] {
  const open = new Map<string, number>();
  const spans: Span[] = [];
  for (const e of entries) {
    if (e.f !== 'fault' || (e.value.client !== undefined && e.value.client !== client)) continue;
    const key = `${String(e.value.kind)}:${String(e.value.client ?? '')}:${String(e.value.link ?? '')}`;
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

/** A client's probe observations from a history (`observe` entries); the time of each is its entry's wall clock. */
export function sightings(entries: readonly HistoryEntry[], client: string): Sighting[] {
  const out: Sighting[] = [];
  for (const e of entries) if (e.f === 'observe' && e.type === 'ok' && e.process === client) out.push(sighting(e));
  return out;
}

function sighting(e: HistoryEntry): Sighting {
  const v = e.value;
  return {
    at: Date.parse(e.wall), testid: String(v.testid ?? ''), id: String(v.id ?? ''), updatedAt: String(v.updatedAt ?? ''),
    status: String(v.status ?? ''), event: String(v.event ?? ''), index: e.index,
    ...(typeof v.path === 'string' ? { path: v.path } : {}),
  };
}

/**
 * Every client's steady-state samples from a history alone (its `observe` and `fault` entries), by
 * client name: what the report charts and the latency-budget checker judges.
 */
export function steadySamplesByClient(entries: readonly HistoryEntry[], graceMs = FAULT_GRACE_MS): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [client, xs] of Object.entries(steadyByClient(entries, graceMs))) out[client] = xs.map((x) => x.ms);
  return out;
}

/** As steadySamplesByClient, with the entry index of each sample's sighting. */
export function steadyByClient(entries: readonly HistoryEntry[], graceMs = FAULT_GRACE_MS): Record<string, Sample[]> {
  const seen = new Map<string, Sighting[]>();
  const faults: HistoryEntry[] = [];
  for (const e of entries) {
    if (e.f === 'fault') faults.push(e);
    else if (e.f === 'observe' && e.type === 'ok') {
      const xs = seen.get(e.process);
      if (xs) xs.push(sighting(e));
      else seen.set(e.process, [sighting(e)]);
    }
  }
  const out: Record<string, Sample[]> = {};
  for (const [client, xs] of seen) out[client] = steadyDetail(xs, faultSpans(faults, client), graceMs);
  return out;
}

/**
 * The plan's budget is for steady state: commit → DOM samples of one browser for the changes it was
 * live for. A change counts when it was committed while this document showed `connected`, no fault
 * was active or had ended less than `graceMs` before, and it reached the DOM before that connected
 * spell ended. Commit time is the row's `updatedAt`. First sighting of each row version only.
 */
export function steadySamples(seen: Sighting[], faults: Span[], graceMs = FAULT_GRACE_MS): number[] {
  return steadyDetail(seen, faults, graceMs).map((s) => s.ms);
}

export function steadyDetail(seen: readonly Sighting[], faults: readonly Span[], graceMs = FAULT_GRACE_MS): Sample[] {
  // Usually in time order already (a history is): sorting then is wasted work on a large run.
  let sorted = true;
  for (let i = 1; i < seen.length && sorted; i++) sorted = seen[i - 1]!.at <= seen[i]!.at;
  const ordered = sorted ? seen : [...seen].sort((a, b) => a.at - b.at);
  // Connected spells, in time order and disjoint: found by binary search below.
  const live: Span[] = [];
  let since: number | undefined;
  let path: string | undefined;
  for (const e of ordered) {
    // Another page of the same document (a client-side route): what it renders now was committed
    // while another page showed, so the spell goes on from here.
    if (e.path !== undefined && path !== undefined && e.path !== path && since !== undefined) {
      live.push({ start: since, end: e.at });
      since = e.at;
    }
    path = e.path ?? path;
    // A new document (navigation, reload) ends the previous one's spell.
    const isStatus = e.testid === 'connection-status' && e.event !== 'removed';
    if (isStatus && e.status === 'connected') since ??= e.at;
    else if ((isStatus || e.testid === 'document') && since !== undefined) {
      live.push({ start: since, end: e.at });
      since = undefined;
    }
  }
  if (since !== undefined) live.push({ start: since, end: Infinity });
  const quiet = blackout(faults, graceMs);
  const first = new Map<string, Sighting>();
  for (const e of ordered) {
    if (!VERSIONED.has(e.testid) || !e.updatedAt || e.event === 'removed') continue;
    const key = `${e.id}@${e.updatedAt}`;
    if (!first.has(key)) first.set(key, e);
  }
  const out: Sample[] = [];
  for (const e of first.values()) {
    const committed = Date.parse(e.updatedAt);
    const spell = live[lastAtOrBefore(live, committed)];
    if (!spell || committed >= spell.end || e.at >= spell.end) continue;
    const f = quiet[lastAtOrBefore(quiet, committed)];
    if (f && committed <= f.end) continue;
    out.push({ ms: Math.max(0, e.at - committed), ...(e.index !== undefined ? { index: e.index } : {}) });
  }
  return out;
}

/** Fault windows stretched by the grace period and merged, in time order. */
export function blackout(faults: readonly Span[], graceMs: number): Span[] {
  const spans = faults.map((f) => ({ start: f.start, end: f.end + graceMs })).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** The index of the last span starting at or before t, by binary search; -1 if none. */
function lastAtOrBefore(spans: readonly Span[], t: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.start <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** One client's steady-state samples from a history alone. */
export function steadySamplesOf(entries: readonly HistoryEntry[], client: string, graceMs = FAULT_GRACE_MS): number[] {
  const faults = entries.filter((e) => e.f === 'fault');
  return steadySamples(sightings(entries, client), faultSpans(faults, client), graceMs);
}
