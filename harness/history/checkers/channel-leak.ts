import type { Anomaly, HistoryEntry, Verdict } from '../../schema/history.ts';
import { SOCKET_CLOSED, channelChanges, frameOf, type RealtimeFrame } from '../channels.ts';
import { EVENTS } from '../../realtime/constants.ts';
import { verdict } from './verdict.ts';

/**
 * Two channels of one topic may overlap this long (the plan's 2 s budget): a handover where the new
 * join is answered just before the old channel's end is seen. A correct page ends the old channel
 * (its error, close or leave, its socket's close) before it joins again, so the overlap is ~0.
 */
const LEAK_GRACE_MS = 2_000;

/**
 * One subscription per stream: a document never holds two live channels of one topic, on one
 * socket or on two, for longer than LEAK_GRACE_MS, nor gets one change on two of its open sockets.
 * Two at once is a leak: every change arrives and is applied twice, and the server's per-client
 * channel limit fills (React StrictMode's set-up, clean-up, set-up with a clean-up that did not
 * unsubscribe, realtime-js #169). A document's channels end with it; a channel's life is read off
 * its frames (harness/history/channels.ts).
 */
export function noChannelLeak(h: readonly HistoryEntry[]): Verdict {
  const anomalies: Anomaly[] = [];
  const end = h.length ? h[h.length - 1]!.time : 0;
  // Per client, its documents in order, and each document's frames.
  const docs = new Map<string, { order: { doc: string; start: number }[]; frames: Map<string, RealtimeFrame[]> }>();
  const of = (p: string) => {
    let d = docs.get(p);
    if (!d) docs.set(p, (d = { order: [], frames: new Map() }));
    return d;
  };
  for (const e of h) {
    const v = e.value;
    if (e.f === 'observe' && v.testid === 'document' && v.event === 'added') of(e.process).order.push({ doc: String(v.doc), start: e.time });
    if (e.f !== 'send' && e.f !== 'receive') continue;
    const doc = String(v.doc ?? '');
    const d = of(e.process);
    let xs = d.frames.get(doc);
    if (!xs) d.frames.set(doc, (xs = []));
    xs.push(frameOf(e));
  }
  for (const [client, d] of docs) {
    for (const [doc, frames] of d.frames) {
      const k = d.order.findIndex((o) => o.doc === doc);
      const docEnd = k >= 0 && k + 1 < d.order.length ? d.order[k + 1]!.start : end;
      const live = new Map<string, number>();
      const since = new Map<string, { at: number; index?: number }>();
      const judge = (topic: string, at: number, index?: number) => {
        const s = since.get(topic);
        since.delete(topic);
        if (s && at - s.at > LEAK_GRACE_MS) {
          anomalies.push({
            kind: 'leaked', detail: `${client} held two live channels of ${topic} at once for ${Math.round((at - s.at) / 1000)} s (document ${doc})`,
            entries: [s.index, index].filter((i): i is number => i !== undefined),
          });
        }
      };
      for (const c of channelChanges(frames)) {
        const n = (live.get(c.topic) ?? 0) + (c.live ? 1 : -1);
        live.set(c.topic, n);
        if (c.live && n === 2) since.set(c.topic, { at: c.at, index: c.index });
        if (!c.live && n === 1) judge(c.topic, c.at, c.index);
      }
      for (const topic of since.keys()) judge(topic, docEnd);
      twice(client, doc, h, frames, anomalies);
    }
  }
  return verdict('no-channel-leak', anomalies);
}

/**
 * A change delivered on one socket of a document while another socket of it, which already had it,
 * is still open: two subscriptions, however short the overlap. (A server that replays after a
 * restart delivers again only on the socket that replaced the closed one: not this.)
 */
function twice(client: string, doc: string, h: readonly HistoryEntry[], frames: readonly RealtimeFrame[], anomalies: Anomaly[]): void {
  const open = new Set<number>();
  const had = new Map<string, Set<number>>();
  const flagged = new Set<string>();
  for (const f of frames) {
    const socket = f.socket ?? 0;
    if (f.event === SOCKET_CLOSED) {
      open.delete(socket);
      continue;
    }
    open.add(socket);
    if (f.dir !== 'received' || f.event !== EVENTS.postgresChanges || f.index === undefined) continue;
    const v = h[f.index]!.value;
    if (!v.commitTimestamp) continue;
    const key = `${f.topic} ${String(v.table)} ${String(v.type)} ${String(v.id)} ${String(v.commitTimestamp)}`;
    const sockets = had.get(key) ?? new Set<number>();
    had.set(key, sockets);
    const other = [...sockets].find((o) => o !== socket && open.has(o));
    sockets.add(socket);
    if (other === undefined || flagged.has(f.topic)) continue;
    // One anomaly a topic and document: a leak delivers every change twice.
    flagged.add(f.topic);
    anomalies.push({
      kind: 'delivered-twice', detail: `${client} got the ${String(v.type)} of ${String(v.table)} ${String(v.id)} on sockets ${other} and ${socket} at once (document ${doc}): two subscriptions of ${f.topic}`,
      entries: [f.index],
    });
  }
}
