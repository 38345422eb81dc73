// The Supabase Realtime protocol (vsn 1.0.0 JSON frames) for k6 virtual users.
import { WebSocket } from 'k6/websockets';
import { EVENTS, PHOENIX_TOPIC, SOCKET_PATH, TOPIC_PREFIX, VSN_1 } from '../../harness/realtime/constants.ts';

export interface Binding { event: string; schema: string; table?: string; filter?: string }

let ref = 0;
const nextRef = () => String(++ref);

export function socketUrl(supabaseUrl: string, apikey: string): string {
  return `${supabaseUrl.replace(/^http/, 'ws')}${SOCKET_PATH}?apikey=${apikey}&vsn=${VSN_1}`;
}

/** phx_join for `realtime:<topic>`; returns the ref its reply will carry. `self`: hear one's own broadcasts. */
export function join(ws: WebSocket, topic: string, token: string, bindings: Binding[], opts: { self?: boolean } = {}): string {
  const r = nextRef();
  ws.send(JSON.stringify({ topic: `${TOPIC_PREFIX}${topic}`, event: EVENTS.join, ref: r, join_ref: r,
    payload: { config: { broadcast: { ack: false, self: opts.self === true }, presence: { key: '', enabled: false }, postgres_changes: bindings, private: false }, access_token: token } }));
  return r;
}

/** A broadcast push on a joined topic, as channel.send({type:'broadcast'}) makes it. */
export function broadcast(ws: WebSocket, topic: string, joinRef: string, event: string, payload: Record<string, unknown>): void {
  ws.send(JSON.stringify({ topic: `${TOPIC_PREFIX}${topic}`, event: EVENTS.broadcast, ref: nextRef(), join_ref: joinRef, payload: { type: EVENTS.broadcast, event, payload } }));
}

export function heartbeat(ws: WebSocket): void {
  ws.send(JSON.stringify({ topic: PHOENIX_TOPIC, event: EVENTS.heartbeat, payload: {}, ref: nextRef(), join_ref: null }));
}

export interface Frame {
  topic: string; event: string; ref: string | null;
  payload: { status?: string; response?: unknown; data?: { commit_timestamp: string; table: string; type: string }; ids?: number[]; message?: string; event?: string; payload?: { sentAt?: number } };
}

export function parse(data: string): Frame | undefined {
  try {
    return JSON.parse(data) as Frame;
  } catch {
    return undefined;
  }
}
