import { EVENTS } from '../realtime/constants.ts';
import type { HistoryEntry } from '../schema/history.ts';

/** One Phoenix frame on a page's realtime socket, as the harness saw it (at = harness clock). */
export interface RealtimeFrame {
  at: number;
  dir: 'sent' | 'received';
  topic: string;
  event: string;
  payload: Record<string, unknown>;
  /** The Phoenix refs: a reply answers the push of its `ref`; `joinRef` names the channel instance. */
  ref?: string | null;
  joinRef?: string | null;
  /** Which of the page's sockets (1, 2, … in the order they opened). */
  socket?: number;
  /** The history entry it was recorded as, where it came from a history. */
  index?: number;
}

/** A frame as the history recorded it (a `send` or `receive` entry; fixtures/browser-history.ts). */
export function frameOf(e: HistoryEntry): RealtimeFrame {
  const v = e.value;
  return {
    at: e.time, index: e.index, dir: e.f === 'send' ? 'sent' : 'received', topic: String(v.topic), event: String(v.event),
    payload: (v.payload ?? {}) as Record<string, unknown>, ref: v.ref as string | null | undefined, joinRef: v.joinRef as string | null | undefined,
    socket: v.socket as number | undefined,
  };
}

/** Not a Phoenix event: the harness's record that a page's socket closed, taking its channels with it. */
export const SOCKET_CLOSED = 'socket_closed';

/** A channel becoming live (its join answered ok) or ending, at a frame's time. */
export interface ChannelChange { at: number; index?: number; socket: number; topic: string; joinRef: string; live: boolean }

/**
 * The channels' lives, from a page's frames: a channel is live once its join is answered ok, on its
 * socket, until its leave is sent, a phx_close or phx_error for its join ref arrives, or its socket
 * closes (SOCKET_CLOSED).
 */
export function channelChanges(frames: readonly RealtimeFrame[]): ChannelChange[] {
  const key = (socket: number | undefined, topic: string, ref: string | null | undefined) => `${socket ?? 0} ${topic} ${ref ?? ''}`;
  const joins = new Set<string>();
  const live = new Map<string, Omit<ChannelChange, 'at' | 'index' | 'live'>>();
  const out: ChannelChange[] = [];
  const end = (k: string, f: RealtimeFrame) => {
    const c = live.get(k);
    if (!c) return;
    live.delete(k);
    out.push({ ...c, at: f.at, index: f.index, live: false });
  };
  for (const f of frames) {
    // A join and its reply carry the channel's ref as `ref`; every later frame of it as `joinRef`.
    const k = key(f.socket, f.topic, f.event === EVENTS.join || f.event === EVENTS.reply ? f.ref : f.joinRef);
    if (f.dir === 'sent' && f.event === EVENTS.join) joins.add(k);
    else if (f.dir === 'received' && f.event === EVENTS.reply && joins.delete(k)) {
      if (f.payload.status !== 'ok') continue;
      const c = { socket: f.socket ?? 0, topic: f.topic, joinRef: f.ref ?? '' };
      live.set(k, c);
      out.push({ ...c, at: f.at, index: f.index, live: true });
    } else if ((f.dir === 'sent' && f.event === EVENTS.leave) || (f.dir === 'received' && (f.event === EVENTS.close || f.event === EVENTS.error))) {
      end(k, f);
    } else if (f.event === SOCKET_CLOSED) {
      for (const [k2, c] of live) if (c.socket === (f.socket ?? 0)) end(k2, f);
    }
  }
  return out;
}

/** The channels a page holds joined after these frames. */
export function liveChannels(frames: readonly RealtimeFrame[]): Omit<ChannelChange, 'at' | 'index' | 'live'>[] {
  const live = new Map<string, Omit<ChannelChange, 'at' | 'index' | 'live'>>();
  for (const { at: _, index: _i, live: on, ...c } of channelChanges(frames)) {
    const k = `${c.socket} ${c.topic} ${c.joinRef}`;
    if (on) live.set(k, c);
    else live.delete(k);
  }
  return [...live.values()];
}
