import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { lastBefore, view, type Client, type Observation, type Step, type View } from './view.ts';
import { verdict, type CheckOptions } from './verdict.ts';
import { budgetOr } from '../budget.ts';
import { AUDIO_TESTIDS } from '../testids.ts';
import { EVENTS } from '../../realtime/constants.ts';

const AUDIO: ReadonlySet<string> = new Set(AUDIO_TESTIDS);

/**
 * One showing of a page: a document, or a client-side navigation within one (the path changed). On
 * the list page (`/`): which audio rows it holds, and the last sign that it was live.
 */
interface Page {
  start: number;
  /** The account the page showed: what it showed gone says nothing of another account's cache. */
  user?: string;
  list: boolean;
  rows: Set<string>;
  removedAt: Map<string, number>;
  /** The last change to an already rendered row (`set` or `removed`): the list was showing by then. */
  live: number;
  /**
   * A row changed (`set`) that the page was never seen to add: the probe missed some of what the
   * page showed, so its rows are not known, and it shows nothing gone.
   */
  partial: boolean;
}

/**
 * A row the server deleted stays gone once a client has shown it gone, or heard it gone. Shown gone:
 * after the deletion, the client's list removed it, or the list was live (a rendered row changed)
 * without it; a first render alone is not enough, as it may come from a cache before the reconcile,
 * and a list that changed a row it was never seen to add is not either (the probe missed part of it).
 * Heard gone: the client received the realtime DELETE (in any document: what it does with it is its
 * cache's business, and a later page must not bring the row back from there), counted from the
 * budget's p95 after it, and only if the page that received it stayed open that long. A page closed
 * sooner may have died before it applied the frame; its successor showing the cached row until its
 * sync is stale, not resurrected (monotonic reads and convergence judge that). Seeing the row again
 * after that is a resurrection, unless the client's delete of it was refused (409, the row
 * comes back on purpose) in between, or the row was created again after the deletion.
 */
export function noResurrection(h: readonly HistoryEntry[], opts?: CheckOptions): Verdict {
  const v = view(h);
  const anomalies: Anomaly[] = [];
  if (!v.deletions.size) return verdict('no-resurrection', anomalies);
  const applyMs = budgetOr(opts?.budget).p95;
  for (const c of v.clients.values()) check(v, c, applyMs, anomalies);
  return verdict('no-resurrection', anomalies);
}

/** Operations after which the page that was open is gone (a new document, or none). */
const UNLOADS = new Set(['navigate', 'reload', 'away', 'sign-in']);

/** Where each page of this client ended: a full navigation, or a new document seen. */
function pageEnds(c: Client): Step[] {
  const ends: Step[] = [
    // A link the app routes on the client keeps its document (and its socket).
    ...c.intents.filter((i) => UNLOADS.has(i.op) && i.e.value.via !== 'link'),
    ...c.observations.filter((o) => o.testid === 'document'),
  ];
  return ends.sort((a, b) => a.pos - b.pos);
}

/** Within this of the app's shell going away, a row's removal is the page's teardown. */
const TEARDOWN_MS = 100;

/** Per document, when the app's shell (the connection status every page shows) was removed: the page's teardown. */
function teardowns(c: Client): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const o of c.observations) {
    if (o.testid !== 'connection-status' || o.event !== 'removed') continue;
    const xs = out.get(o.doc);
    if (xs) xs.push(o.e.time);
    else out.set(o.doc, [o.e.time]);
  }
  return out;
}

const tornDown = (torn: Map<string, number[]>, o: Observation) => (torn.get(o.doc) ?? []).some((t) => Math.abs(t - o.e.time) <= TEARDOWN_MS);

function check(v: View, c: Client, applyMs: number, anomalies: Anomaly[]): void {
  const refused = new Map<string, number[]>();
  for (const f of c.fails) {
    if (f.m.kind === 'delete' && f.e.value.status === 409) {
      const xs = refused.get(f.m.entityId);
      if (xs) xs.push(f.pos);
      else refused.set(f.m.entityId, [f.pos]);
    }
  }
  const heard = new Map<string, number[]>();
  const ends = pageEnds(c);
  let next = 0;
  for (const r of c.receives) {
    const val = r.e.value;
    if (val.event !== EVENTS.postgresChanges || val.type !== 'DELETE' || val.table !== 'audio_files' || typeof val.id !== 'string') continue;
    while (next < ends.length && ends[next]!.pos <= r.pos) next++;
    const end = ends[next];
    // The page closed before it had the budget's time to apply the frame: not heard.
    if (end && end.e.time - r.e.time < applyMs) continue;
    // Heard once the page had that time: a showing before then is the frame not yet applied.
    // (`at`: the last entry before that time, so a showing from then on is later than it.)
    let at = r.pos;
    while (at + 1 < v.entries.length && v.entries[at + 1]!.time < r.e.time + applyMs) at++;
    const key = `${r.user ?? ''}\0${val.id}`;
    const xs = heard.get(key);
    if (xs) xs.push(at);
    else heard.set(key, [at]);
  }
  for (const xs of heard.values()) xs.sort((a, b) => a - b);
  const pages: Page[] = [];
  const current = new Map<string, { path: string; page: Page }>();
  const witness = new Map<string, number>();
  const flagged = new Set<string>();
  const absentSince = (p: Page, id: string) => p.removedAt.get(id) ?? p.start;

  /** The last place at which this client showed row `id` gone, if after `after`. */
  const lastGone = (id: string, after: number, now: number, user: string | undefined): number => {
    const hs = heard.get(`${user ?? ''}\0${id}`) ?? [];
    const k = lastBefore(hs, now);
    let w = Math.max(witness.get(`${user ?? ''}\0${id}`) ?? -1, k >= 0 && hs[k]! > after ? hs[k]! : -1);
    for (let i = pages.length - 1; i >= 0; i--) {
      const p = pages[i]!;
      if (p.user !== user) continue;
      if (p.live <= Math.max(w, after)) {
        if (p.start <= after) break;
        continue;
      }
      if (p.list && !p.partial && !p.rows.has(id) && p.live > absentSince(p, id)) w = Math.max(w, p.live);
    }
    return w;
  };

  const torn = teardowns(c);
  for (const o of c.observations) {
    let cur = current.get(o.doc);
    if (!cur || cur.path !== o.path || o.testid === 'document') {
      const page: Page = { start: o.pos, user: o.user, list: o.path === '/', rows: new Set(), removedAt: new Map(), live: -1, partial: false };
      current.set(o.doc, (cur = { path: o.path, page }));
      pages.push(page);
    }
    if (!AUDIO.has(o.testid)) continue;
    const p = cur.page;
    const isList = p.list && o.testid === 'audio-row';
    if (o.event === 'removed') {
      if (isList) {
        p.rows.delete(o.id);
        // The whole page being torn down (a failed client-side navigation falling back to a full
        // one, an unload) takes every row with it: that shows nothing gone.
        if (tornDown(torn, o)) continue;
        p.removedAt.set(o.id, o.pos);
        p.live = o.pos;
        witness.set(`${p.user ?? ''}\0${o.id}`, o.pos);
      }
      continue;
    }
    const dels = v.deletions.get(o.id);
    if (dels) present(v, c, o.id, o.pos, o.e.index, dels, refused, (id, after, now) => lastGone(id, after, now, p.user), flagged, anomalies);
    if (!isList) continue;
    if (p.rows.has(o.id)) {
      if (o.event === 'set') p.live = o.pos;
    } else {
      // Rendered now: if the list was live without it, that was a showing of it gone.
      if (o.event === 'set') p.partial = true;
      const wk = `${p.user ?? ''}\0${o.id}`;
      if (!p.partial && p.live > absentSince(p, o.id)) witness.set(wk, Math.max(witness.get(wk) ?? -1, p.live));
      p.rows.add(o.id);
    }
  }
}

function present(
  v: View, c: Client, id: string, pos: number, index: number, dels: Step[], refused: Map<string, number[]>,
  lastGone: (id: string, after: number, now: number) => number, flagged: Set<string>, anomalies: Anomaly[],
): void {
  let k = dels.length - 1;
  while (k >= 0 && dels[k]!.pos >= pos) k--;
  if (k < 0) return;
  const del = dels[k]!;
  const creates = v.creations.get(id) ?? [];
  const lastCreate = creates[lastBefore(creates, pos)] ?? -1;
  if (lastCreate > del.pos) return;
  const w = lastGone(id, del.pos, pos);
  if (w <= del.pos) return;
  const r = refused.get(id) ?? [];
  const lastRefusal = r[lastBefore(r, pos)] ?? -1;
  if (lastRefusal > w) return;
  const key = `${id}\0${w}`;
  if (flagged.has(key)) return;
  flagged.add(key);
  anomalies.push({
    kind: 'resurrected',
    detail: `${c.name} shows ${id} again after the server deleted it and the client had shown or heard it gone`,
    entries: [del.e.index, v.entries[w]!.index, index],
  });
}
