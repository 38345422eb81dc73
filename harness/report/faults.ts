import type { ScenarioResult } from '../schema/report.ts';

type Fault = ScenarioResult['faults'][number];

/** One fault in effect on one client (or on every client: no client), from its start to its end in ms since the run began; no end = never ended. */
export interface FaultWindow { kind: string; client?: string; from: number; to?: number }

/**
 * A scenario's fault windows from its start/end phases. A fault opens per (kind, client) and may be
 * started more than once while open (one proxy per link: app and Realtime), so it is one window from
 * its first start to its last end. An end with nothing open (a setting switched off before being
 * switched on) is no window. Faults recorded without a time (old reports) make none either.
 */
export function faultWindows(faults: readonly Fault[]): FaultWindow[] {
  const open = new Map<string, { from: number; depth: number; kind: string; client?: string }>();
  const out: FaultWindow[] = [];
  for (const f of faults) {
    if (f.time === undefined) continue;
    const key = `${f.kind}\u0000${f.client ?? ''}`;
    const o = open.get(key);
    if (f.phase === 'start') {
      if (o) o.depth++;
      else open.set(key, { from: f.time, depth: 1, kind: f.kind, ...(f.client === undefined ? {} : { client: f.client }) });
    } else if (f.phase === 'end' && o && --o.depth === 0) {
      open.delete(key);
      out.push({ kind: o.kind, ...(o.client === undefined ? {} : { client: o.client }), from: o.from, to: f.time });
    }
  }
  for (const o of open.values()) out.push({ kind: o.kind, ...(o.client === undefined ? {} : { client: o.client }), from: o.from });
  return out.sort((a, b) => a.from - b.from);
}

/** Per kind: how many windows, on which clients, the summed length of the ended ones, how many never ended or have no times (old reports). */
export interface FaultKindSummary { kind: string; windows: number; clients: string[]; ended: number; totalMs: number; unended: number; untimed: number }

export function faultSummary(faults: readonly Fault[]): FaultKindSummary[] {
  const byKind = new Map<string, FaultKindSummary>();
  for (const w of faultWindows(faults)) {
    const s = byKind.get(w.kind) ?? { kind: w.kind, windows: 0, clients: [], ended: 0, totalMs: 0, unended: 0, untimed: 0 };
    byKind.set(w.kind, s);
    s.windows++;
    if (w.client !== undefined && !s.clients.includes(w.client)) s.clients.push(w.client);
    if (w.to === undefined) s.unended++;
    else {
      s.ended++;
      s.totalMs += w.to - w.from;
    }
  }
  // Faults with no time at all (old reports) are still counted, by their starts.
  for (const f of faults) {
    if (f.time !== undefined || f.phase !== 'start') continue;
    const s = byKind.get(f.kind) ?? { kind: f.kind, windows: 0, clients: [], ended: 0, totalMs: 0, unended: 0, untimed: 0 };
    byKind.set(f.kind, s);
    s.windows++;
    s.untimed++;
    if (f.client !== undefined && !s.clients.includes(f.client)) s.clients.push(f.client);
  }
  for (const s of byKind.values()) s.clients.sort();
  return [...byKind.values()].sort((a, b) => b.windows - a.windows || a.kind.localeCompare(b.kind));
}
