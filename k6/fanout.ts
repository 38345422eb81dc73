// Fan-out: S subscribers over U users (RLS decides who gets what) while writers rename files through
// the app's API at W/s. Deliveries and commits are counted per user so the harness can compute loss
// per user. Without appUrl (the raw `ws` baseline) the server under test publishes the same shape.
import exec from 'k6/execution';
import { sleep } from 'k6';
import { watch, type User } from './lib/watch.ts';
import { loginAll, renameOnce, writerSlot } from './lib/app.ts';
import { thresholds } from './thresholds.ts';
import { writerVus } from './lib/window.ts';

interface Config {
  supabaseUrl: string; anonKey: string; appUrl?: string; users: User[]; subscribers: number; rampS: number;
  holdS: number; writeStartS: number; writeDurationS: number; writesPerSecond: number; summaryPath: string;
}
const cfg = JSON.parse(open(__ENV.SW_LOAD_CONFIG!)) as Config;

const WRITER_VUS = writerVus(cfg.writesPerSecond);
const writers = cfg.appUrl ? {
  writers: {
    executor: 'constant-arrival-rate', exec: 'write', rate: cfg.writesPerSecond, timeUnit: '1s',
    duration: `${cfg.writeDurationS}s`, startTime: `${cfg.writeStartS}s`, gracefulStop: '1s',
    preAllocatedVUs: WRITER_VUS, maxVUs: WRITER_VUS,
  },
} : {};

export const options = {
  scenarios: {
    // Joins ramp up (as dashboards open over a few seconds), then every subscriber holds until holdS.
    subscribers: {
      executor: 'ramping-vus', exec: 'subscribe', startVUs: 0, gracefulRampDown: '0s', gracefulStop: '10s',
      stages: [{ duration: `${cfg.rampS}s`, target: cfg.subscribers }, { duration: `${cfg.holdS - cfg.rampS + 1}s`, target: cfg.subscribers }],
    },
    ...writers,
  },
  thresholds: thresholds(),
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

export function setup(): { cookies: Record<string, string> } {
  return { cookies: loginAll(cfg.appUrl, cfg.users) };
}

export function subscribe(): void {
  // Subscriber i of 0..S-1 watches user i mod U; its subscription lasts until holdS after the start.
  const i = exec.scenario.iterationInTest;
  const until = exec.scenario.startTime + cfg.holdS * 1000;
  if (i >= cfg.subscribers) {
    // A VU whose subscriber has ended may be handed another iteration before the scenario stops.
    sleep(Math.max(0, (until - Date.now()) / 1000) + 1);
    return;
  }
  watch(cfg.supabaseUrl, cfg.anonKey, cfg.users[i % cfg.users.length]!, `fanout-${i}`, until - Date.now());
}

export function write(data: { cookies: Record<string, string> }): void {
  const { user, file } = writerSlot(cfg.users, WRITER_VUS);
  renameOnce(cfg.appUrl!, data.cookies[user.id]!, user, file, exec.scenario.iterationInTest);
}

// The harness reads the summary from summaryPath; without one (a k6-operator runner, whose files
// nobody collects) it goes to stdout, the pod's log.
export function handleSummary(data: unknown) {
  return cfg.summaryPath ? { [cfg.summaryPath]: JSON.stringify(data, null, 2), stdout: '' } : { stdout: JSON.stringify(data) };
}
