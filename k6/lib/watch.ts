// A dashboard's subscription: one socket, one join with a postgres_changes binding on the user's
// files; deliveries are counted per user, latency is receive time − commit_timestamp.
import { WebSocket } from 'k6/websockets';
import { Trend, Counter } from 'k6/metrics';
import { check } from 'k6';
import { socketUrl, join, heartbeat, parse } from './realtime.ts';
import { EVENTS } from '../../harness/realtime/constants.ts';

export interface User { id: string; token: string; files: string[] }

export const latency = new Trend('realtime_latency_ms', true);
export const joinTime = new Trend('realtime_join_ms', true);
export const errors = new Counter('realtime_errors');
const delivered = new Counter('realtime_delivered');
const COMMIT_KEY = '"commit_timestamp":"';
const DELIVERY_MARK = `"event":"${EVENTS.postgresChanges}"`;

export function watch(supabaseUrl: string, anonKey: string, user: User, topic: string, holdMs: number): void {
  const ws = new WebSocket(socketUrl(supabaseUrl, anonKey));
  const started = Date.now();
  let joinRef = '';
  let count = 0;
  ws.onopen = () => {
    joinRef = join(ws, topic, user.token, [{ event: 'UPDATE', schema: 'public', table: 'audio_files', filter: `user_id=eq.${user.id}` }]);
  };
  ws.onmessage = (e?: { data: unknown }) => {
    const text = String(e?.data ?? '');
    // Deliveries are most frames: read their commit time without a full JSON.parse, so k6's own
    // CPU (it shares this machine with the server) inflates the latency it measures as little as possible.
    const at = text.indexOf(COMMIT_KEY);
    if (at >= 0 && text.includes(DELIVERY_MARK)) {
      const start = at + COMMIT_KEY.length;
      latency.add(Date.now() - Date.parse(text.slice(start, text.indexOf('"', start))));
      count++;
      return;
    }
    const f = parse(text);
    if (!f) return;
    if (f.event === EVENTS.reply && f.ref === joinRef) {
      check(f, { 'join ok': (x: typeof f) => x.payload.status === 'ok' });
      joinTime.add(Date.now() - started);
    } else if (f.event === EVENTS.system && f.payload.status === 'error') {
      errors.add(1, { kind: 'system' });
    }
  };
  ws.onerror = () => errors.add(1, { kind: 'socket' });
  const beat = setInterval(() => heartbeat(ws), 25_000);
  // A point every few seconds, not per delivery, keeps k6's output small at high rates; and what a
  // subscriber counted still reaches the summary if k6 cuts its iteration short.
  let reported = 0;
  const flush = () => { delivered.add(count - reported, { user: user.id }); reported = count; };
  const flusher = setInterval(flush, 5_000);
  setTimeout(() => {
    clearInterval(beat);
    clearInterval(flusher);
    flush();
    ws.close();
  }, holdMs);
}
