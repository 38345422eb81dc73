import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { isMutation, obj, stamp, str, UNSURE, view, type Client, type Observation, type View } from './view.ts';
import { verdict, type CheckOptions } from './verdict.ts';
import { budgetOr } from '../budget.ts';
import { blackout, faultSpans, FAULT_GRACE_MS, type Span } from '../steady.ts';
import { AUDIO_TESTIDS } from '../testids.ts';

const AUDIO: ReadonlySet<string> = new Set(AUDIO_TESTIDS);

/**
 * How many times the budget's max a page that says it is connected, with no fault on, may go on
 * showing a row older than a version the server had committed. Past the max a change is slow,
 * which latency-budget judges from the versions a page did show; this one judges the versions a
 * page never showed, so it waits long enough that only a lost change is left.
 */
export const STALE_FACTOR = 2.5;

/** A row version the server had committed by `at` (epoch ms): someone was told of it then. */
interface Version { id: string; updatedAt: string; at: number; index: number }

/**
 * Connected means current: a page that shows `connected`, with no fault on for its client, shows
 * every row of its account that it shows at all at the version the server had committed, or a
 * newer one, within STALE_FACTOR × the budget's max (from the commit, or from when it connected
 * or its last fault ended, whichever is later). A page that says it is live over a row it will
 * never bring up to date (a reconcile that failed and was not tried again, a change the feed lost
 * while the page trusted it) is the bug; nothing else in the history names it, as the page never
 * shows the version it lacks, so no latency sample or read of it exists.
 *
 * A version counts as committed once anyone was told of it: a writer's or a client's answered
 * request, a realtime change or a sync answer, whoever received it. Not judged: rows the page does
 * not show at that time, rows deleted by then, and rows this client itself changed since shortly
 * before (its own write in flight shows its name at the old version until answered).
 */
export function staleWhileConnected(h: readonly HistoryEntry[], opts?: CheckOptions): Verdict {
  const v = view(h);
  const staleMs = budgetOr(opts?.budget).max * STALE_FACTOR;
  const graceMs = opts?.graceMs ?? FAULT_GRACE_MS;
  const versions = committed(v);
  const anomalies: Anomaly[] = [];
  if (!versions.size) return verdict('stale-while-connected', anomalies);
  const faults = v.entries.filter((e) => e.f === 'fault');
  const runEnd = v.entries.length ? Date.parse(v.entries[v.entries.length - 1]!.wall) : 0;
  // Per row, when the server first acknowledged deleting it.
  const deleted = new Map<string, number>();
  for (const [id, steps] of v.deletions) deleted.set(id, Math.min(...steps.map(at)));
  for (const c of v.clients.values()) {
    const ctx: Context = { v, c, versions, deleted, own: ownWrites(c), quiet: blackout(faultSpans(faults, c.name), graceMs), staleMs };
    for (const doc of documents(c, runEnd)) check(ctx, doc, anomalies);
  }
  return verdict('stale-while-connected', anomalies);
}

const at = (o: { e: HistoryEntry }) => Date.parse(o.e.wall);

/** Per row, the first time each of its versions was reported, in time order. */
function committed(v: View): Map<string, Version[]> {
  const first = new Map<string, Version>();
  const add = (r: unknown, e: HistoryEntry) => {
    const row = obj(r);
    const id = str(row?.id);
    const updatedAt = str(row?.updatedAt);
    if (!id || !updatedAt) return;
    const key = `${id}\0${stamp(updatedAt)}`;
    const t = Date.parse(e.wall);
    const was = first.get(key);
    if (!was || t < was.at) first.set(key, { id, updatedAt: stamp(updatedAt), at: t, index: e.index });
  };
  for (const e of v.entries) {
    if (e.type !== 'ok') continue;
    const val = e.value;
    if (e.f === 'write' || isMutation(e.f)) add(val.row, e);
    else if (e.f === 'receive' && val.table === 'audio_files' && val.type !== 'DELETE') add(val.row, e);
    else if (e.f === 'sync' && Array.isArray(val.rows)) for (const r of val.rows) add(r, e);
  }
  const out = new Map<string, Version[]>();
  for (const x of first.values()) {
    const xs = out.get(x.id);
    if (xs) xs.push(x);
    else out.set(x.id, [x]);
  }
  for (const xs of out.values()) xs.sort((a, b) => a.at - b.at);
  return out;
}

/** One document of a client: its account, its connected spells, and its audio observations per row. */
interface Doc { key: string; user?: string; spells: Span[]; rows: Map<string, Observation[]> }

function documents(c: Client, runEnd: number): Doc[] {
  const docs = new Map<string, Doc & { since?: number }>();
  const order: (Doc & { since?: number })[] = [];
  for (const o of c.observations) {
    let d = docs.get(o.doc);
    if (!d) {
      d = { key: o.doc, user: o.user, spells: [], rows: new Map() };
      docs.set(o.doc, d);
      // A new document ends the spell of the one before (its page is gone).
      const prev = order[order.length - 1];
      if (prev?.since !== undefined) {
        prev.spells.push({ start: prev.since, end: at(o) });
        prev.since = undefined;
      }
      order.push(d);
    }
    if (o.user === UNSURE) d.user = UNSURE;
    if (o.testid === 'connection-status') {
      const connected = o.event !== 'removed' && o.status === 'connected';
      if (connected) d.since ??= at(o);
      else if (d.since !== undefined) {
        d.spells.push({ start: d.since, end: at(o) });
        d.since = undefined;
      }
    } else if (AUDIO.has(o.testid) && o.id) {
      const xs = d.rows.get(o.id);
      if (xs) xs.push(o);
      else d.rows.set(o.id, [o]);
    }
  }
  for (const d of order) if (d.since !== undefined) d.spells.push({ start: d.since, end: runEnd });
  return order;
}

/** The first time at or after `x` from which `ms` pass with no fault window (stretched by its grace) touching them. */
function quietFrom(x: number, ms: number, quiet: readonly Span[]): number {
  for (const f of quiet) {
    if (f.end < x) continue;
    if (f.start > x + ms) break;
    x = f.end;
  }
  return x;
}

/** What judging one client's documents needs, computed once per client. */
interface Context {
  v: View; c: Client; versions: Map<string, Version[]>; deleted: Map<string, number>;
  /** Per row, when this client's user asked to change it or it sent a change of it. */
  own: Map<string, number[]>;
  quiet: readonly Span[]; staleMs: number;
}

function ownWrites(c: Client): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const add = (id: string | undefined, t: number) => {
    if (!id) return;
    const xs = out.get(id);
    if (xs) xs.push(t);
    else out.set(id, [t]);
  };
  for (const i of c.intents) add(i.entityId, at(i));
  for (const m of c.mutations) add(m.entityId, Date.parse(m.invoke.wall));
  return out;
}

function check({ v, c, versions, deleted, own, quiet, staleMs }: Context, d: Doc, anomalies: Anomaly[]): void {
  if (!d.user || d.user === UNSURE) return;
  for (const [id, shown] of d.rows) {
    if (v.owners.get(id) !== d.user) continue;
    const vs = versions.get(id);
    if (!vs) continue;
    const gone = deleted.get(id) ?? Infinity;
    const mine = own.get(id) ?? [];
    for (const s of d.spells) {
      const flagged = vs.some((ver) => {
        const from = quietFrom(Math.max(ver.at, s.start), staleMs, quiet);
        const deadline = from + staleMs;
        if (deadline >= s.end) return false;
        if (gone <= deadline) return false;
        if (mine.some((t) => t >= from - staleMs && t <= deadline)) return false;
        const last = lastAtOrBefore(shown, deadline);
        if (!last || last.event === 'removed') return false;
        if (stamp(last.updatedAt) >= ver.updatedAt) return false;
        anomalies.push({
          kind: 'stale',
          detail: `${c.name} shows ${id} at ${last.updatedAt || '(no version)'} while connected, ${Math.round(deadline - ver.at)} ms after the server had committed ${ver.updatedAt}`,
          entries: [ver.index, last.e.index],
        });
        return true;
      });
      if (flagged) break;
    }
  }
}

/** The last observation at or before `t` (observations are in history order, which is time order within a page). */
function lastAtOrBefore(xs: readonly Observation[], t: number): Observation | undefined {
  let out: Observation | undefined;
  for (const o of xs) {
    if (at(o) > t) break;
    out = o;
  }
  return out;
}
