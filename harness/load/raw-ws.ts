// The baseline: a bare `ws` fan-out of the same shape as a fan-out run (same frames, same
// subscribers per user, same commit rate) with no database, no RLS and no protocol beyond join
// and heartbeat. What this reaches on this machine is the ceiling our Realtime server is measured
// against. Runs as its own process (like the Realtime server) so its CPU and RSS are its own.
// Parent → child: { start: { users: string[], perSecond, durationS } }; child → parent:
// { listening: port } then { published: number[] } (commits per user index).
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeChange } from '../realtime/serializer.ts';
import { EVENTS, PHOENIX_TOPIC, SOCKET_PATH } from '../realtime/constants.ts';

const sockets = new Map<string, Set<WebSocket>>();
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: SOCKET_PATH });

interface Join { topic: string; event: string; ref: string | null; join_ref?: string | null; payload: { config?: { postgres_changes?: { event: string; schema: string; table?: string; filter?: string }[] } } }

server.on('connection', (ws) => {
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Join;
    if (f.event === EVENTS.heartbeat) {
      ws.send(JSON.stringify({ topic: PHOENIX_TOPIC, event: EVENTS.reply, ref: f.ref, payload: { status: 'ok', response: {} } }));
      return;
    }
    if (f.event !== EVENTS.join) return;
    const bindings = f.payload.config?.postgres_changes ?? [];
    const user = /user_id=eq\.(.+)$/.exec(bindings[0]?.filter ?? '')?.[1] ?? '';
    const set = sockets.get(user) ?? new Set();
    set.add(ws);
    sockets.set(user, set);
    (ws as WebSocket & { topic?: string }).topic = f.topic;
    ws.on('close', () => set.delete(ws));
    const ids = bindings.map((b, i) => ({ ...b, id: i + 1 }));
    ws.send(JSON.stringify({ topic: f.topic, event: EVENTS.reply, ref: f.ref, join_ref: f.join_ref ?? f.ref, payload: { status: 'ok', response: { postgres_changes: ids } } }));
  });
});

// One payload serialised per commit and framed per topic as our server frames it (encodeChange):
// the cheapest honest fan-out.
function publish(user: string, n: number): void {
  const now = new Date().toISOString();
  const row = { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, user_id: user, name: `load-${n}.wav`, status: 'uploaded', size_bytes: 1024, duration_ms: null, error: null, created_at: now, updated_at: now };
  const columns = Object.keys(row).map((name) => ({ name, type: name.endsWith('_at') ? 'timestamptz' : 'text' }));
  const data = JSON.stringify({ schema: 'public', table: 'audio_files', commit_timestamp: now, type: 'UPDATE', columns, errors: null, record: row, old_record: row });
  for (const ws of sockets.get(user) ?? []) ws.send(encodeChange((ws as WebSocket & { topic?: string }).topic ?? '', [1], data, '1.0.0'));
}

process.on('message', (m: { start?: { users: string[]; perSecond: number; durationS: number } }) => {
  if (!m.start) return;
  const { users, perSecond, durationS } = m.start;
  const published = new Array<number>(users.length).fill(0);
  const started = Date.now();
  let n = 0;
  const tick = () => {
    // Commit k is due at k/perSecond s: all with k ≤ elapsed·perSecond are.
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond) + 1;
    for (; n < due && n < perSecond * durationS; n++) {
      publish(users[n % users.length]!, n);
      published[n % users.length]!++;
    }
    if (n < perSecond * durationS) setTimeout(tick, Math.max(0, started + (n * 1000) / perSecond - Date.now()));
    else process.send!({ published });
  };
  tick();
});

server.on('listening', () => {
  const addr = server.address();
  process.send!({ listening: typeof addr === 'object' && addr ? addr.port : 0 });
});
