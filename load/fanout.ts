// Fan-out: S subscribers over U users (RLS decides who gets what) while the harness commits W status
// updates per second. Latency = receive time − commit_timestamp; loss = expected − delivered per user.
import { WebSocket } from 'k6/websockets';
import { Trend, Counter } from 'k6/metrics';
import { check } from 'k6';
import exec from 'k6/execution';
import { socketUrl, join, heartbeat, parse } from './lib/realtime.ts';
import { thresholds } from './thresholds.ts';

interface Config { supabaseUrl: string; anonKey: string; users: { id: string; token: string }[]; subscribers: number; durationS: number; summaryPath: string }
const cfg = JSON.parse(open(__ENV.SW_LOAD_CONFIG!)) as Config;

export const options = {
  scenarios: {
    subscribers: { executor: 'per-vu-iterations', vus: cfg.subscribers, iterations: 1, maxDuration: `${cfg.durationS + 30}s` },
  },
  thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

const latency = new Trend('realtime_latency_ms', true);
const joinTime = new Trend('realtime_join_ms', true);
const errors = new Counter('realtime_errors');
const delivered = new Counter('realtime_delivered');

export default function (): void {
  const vu = exec.vu.idInTest - 1;
  const user = cfg.users[vu % cfg.users.length]!;
  const ws = new WebSocket(socketUrl(cfg.supabaseUrl, cfg.anonKey));
  const started = Date.now();
  let joinRef = '';
  ws.onopen = () => {
    joinRef = join(ws, `fanout-${vu}`, user.token, [{ event: 'UPDATE', schema: 'public', table: 'audio_files', filter: `user_id=eq.${user.id}` }]);
  };
  ws.onmessage = (e?: { data: unknown }) => {
    const f = parse(String(e?.data ?? ''));
    if (!f) return;
    if (f.event === 'phx_reply' && f.ref === joinRef) {
      check(f, { 'join ok': (x: typeof f) => x.payload.status === 'ok' });
      joinTime.add(Date.now() - started);
    } else if (f.event === 'postgres_changes' && f.payload.data) {
      latency.add(Date.now() - Date.parse(f.payload.data.commit_timestamp));
      delivered.add(1, { user: user.id });
    } else if (f.event === 'system' && f.payload.status === 'error') {
      errors.add(1, { kind: 'system' });
    }
  };
  ws.onerror = () => errors.add(1, { kind: 'socket' });
  const beat = setInterval(() => heartbeat(ws), 25_000);
  setTimeout(() => { clearInterval(beat); ws.close(); }, cfg.durationS * 1000 + 3000);
}

export function handleSummary(data: { metrics: Record<string, { values: Record<string, number> }> }) {
  return { [cfg.summaryPath]: JSON.stringify(data, null, 2), stdout: `fanout: delivered ${data.metrics.realtime_delivered?.values.count ?? 0}, p99 ${data.metrics.realtime_latency_ms?.values['p(99)'] ?? 'n/a'} ms\n` };
}
