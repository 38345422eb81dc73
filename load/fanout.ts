// Fan-out: S subscribers over U users (RLS decides who gets what) while writers rename files through
// the app's API at W/s. Deliveries and commits are counted per user so the harness can compute loss
// per user. Without appUrl (the raw `ws` baseline) the server under test publishes the same shape.
import exec from 'k6/execution';
import { watch, type User } from './lib/watch.ts';
import { loginAll, renameOnce } from './lib/app.ts';
import { thresholds } from './thresholds.ts';

interface Config {
  supabaseUrl: string; anonKey: string; appUrl?: string; users: User[]; subscribers: number;
  holdS: number; writeStartS: number; writeDurationS: number; writesPerSecond: number; summaryPath: string;
}
const cfg = JSON.parse(open(__ENV.SW_LOAD_CONFIG!)) as Config;

const writers = cfg.appUrl ? {
  writers: {
    executor: 'constant-arrival-rate', exec: 'write', rate: cfg.writesPerSecond, timeUnit: '1s',
    duration: `${cfg.writeDurationS}s`, startTime: `${cfg.writeStartS}s`, gracefulStop: '1s',
    preAllocatedVUs: Math.max(4, Math.ceil(cfg.writesPerSecond / 5)), maxVUs: Math.max(8, cfg.writesPerSecond),
  },
} : {};

export const options = {
  scenarios: {
    subscribers: { executor: 'per-vu-iterations', exec: 'subscribe', vus: cfg.subscribers, iterations: 1, maxDuration: `${cfg.holdS + 30}s` },
    ...writers,
  },
  thresholds: thresholds.fanout,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

export function setup(): { cookies: Record<string, string> } {
  return { cookies: loginAll(cfg.appUrl, cfg.users) };
}

export function subscribe(): void {
  // Each subscriber runs one iteration, so its index in the scenario is 0..S-1 whatever the VU ids.
  const i = exec.scenario.iterationInTest;
  watch(cfg.supabaseUrl, cfg.anonKey, cfg.users[i % cfg.users.length]!, `fanout-${i}`, cfg.holdS * 1000);
}

export function write(data: { cookies: Record<string, string> }): void {
  const n = exec.scenario.iterationInTest;
  const user = cfg.users[n % cfg.users.length]!;
  renameOnce(cfg.appUrl!, data.cookies[user.id]!, user, n);
}

export function handleSummary(data: unknown) {
  return { [cfg.summaryPath]: JSON.stringify(data, null, 2), stdout: '' };
}
