// A dashboard's subscription: one socket, one join with a postgres_changes binding on the user's
// files; deliveries are counted per user, latency is receive time − commit_timestamp.
import { WebSocket } from 'k6/websockets';
import { Trend, Counter } from 'k6/metrics';
import { check } from 'k6';
import { socketUrl, join, heartbeat, parse } from './realtime.ts';

export interface User { id: string; token: string; file: string }

export const latency = new Trend('realtime_latency_ms', true);
export const joinTime = new Trend('realtime_join_ms', true);
export const errors = new Counter('realtime_errors');
const delivered = new Counter('realtime_delivered');

export function watch(supabaseUrl: string, anonKey: string, user: User, topic: string, holdMs: number): void {
  const ws = new WebSocket(socketUrl(supabaseUrl, anonKey));
  const started = Date.now();
  let joinRef = '';
  let count = 0;
  ws.onopen = () => {
    joinRef = join(ws, topic, user.token, [{ event: 'UPDATE', schema: 'public', table: 'audio_files', filter: `user_id=eq.${user.id}` }]);
  };
  ws.onmessage = (e?: { data: unknown }) => {
    const f = parse(String(e?.data ?? ''));
    if (!f) return;
    if (f.event === 'phx_reply' && f.ref === joinRef) {
      check(f, { 'join ok': (x: typeof f) => x.payload.status === 'ok' });
      joinTime.add(Date.now() - started);
    } else if (f.event === 'postgres_changes' && f.payload.data) {
      latency.add(Date.now() - Date.parse(f.payload.data.commit_timestamp));
      count++;
    } else if (f.event === 'system' && f.payload.status === 'error') {
      errors.add(1, { kind: 'system' });
    }
  };
  ws.onerror = () => errors.add(1, { kind: 'socket' });
  const beat = setInterval(() => heartbeat(ws), 25_000);
  setTimeout(() => {
    clearInterval(beat);
    // One point per subscriber keeps k6's output small at 100k deliveries/s.
    delivered.add(count, { user: user.id });
    ws.close();
  }, holdMs);
}
