// Throttle: the tenant limit is L events/s. Phases (seconds from start):
//   polite   [politeAt, floodAt−2)  a sender pushes below the limit (the harness picks the rate: L/2
//                                     pushes under ideal, L/4 under faithful, where the listener's
//                                     receipt counts too); the listener must get every one;
//   flood    [floodAt, …)            an offender pushes 3·L/s and hears its own pushes; it must be
//                                     told "Too many messages per second". Under ideal it is told as
//                                     the pusher and no listener sees more than L in any 1 s window;
//                                     under faithful it and the listener are told as receivers, once a
//                                     5 s tick finds the average over L (the harness checks the ticks);
//   writers  [politeAt, writeEnd)    renames through the app at W/s (> the client's 10 events/s);
//                                     watchers (everyone else) lose none of them but what the faithful
//                                     database events limit drops, which the harness accounts for;
//   after    told + (writeEnd + 3 − floodAt)  the offender fetches /api/sync (its converged view is
//                                     checked against the database by the harness) and rejoins.
import { WebSocket } from 'k6/websockets';
import { Counter, Trend } from 'k6/metrics';
import { check } from 'k6';
import exec from 'k6/execution';
import { socketUrl, join, broadcast, heartbeat, parse } from './lib/realtime.ts';
import { maxInWindow, writerVus } from './lib/window.ts';
import { watch, errors, type User } from './lib/watch.ts';
import { loginAll, renameOnce, sync, writerSlot } from './lib/app.ts';
import { thresholds } from './thresholds.ts';
import { EVENTS, TOPIC_PREFIX } from '../harness/realtime/constants.ts';

interface Config {
  supabaseUrl: string; anonKey: string; appUrl: string; users: User[]; watchers: number; limit: number;
  writesPerSecond: number; politeAt: number; floodAt: number; writeEnd: number; summaryPath: string;
  /** The server's profile: under faithful a listener is told too, and may see more than L in a second before a tick. */
  profile: 'faithful' | 'ideal';
  politePerSecond: number;
}
const cfg = JSON.parse(open(__ENV.SW_LOAD_CONFIG!)) as Config;
const endS = cfg.writeEnd + 6;
const once = (exec: string, startS: number) => ({ executor: 'per-vu-iterations', exec, vus: 1, iterations: 1, startTime: `${startS}s`, maxDuration: `${endS + 20}s` });

export const options = {
  scenarios: {
    watchers: { executor: 'per-vu-iterations', exec: 'watchUser', vus: cfg.watchers, iterations: 1, maxDuration: `${endS + 20}s` },
    politeListener: once('politeListener', 0),
    politeSender: once('politeSender', cfg.politeAt),
    floodListener: once('floodListener', 0),
    offender: once('offender', cfg.floodAt),
    writers: {
      executor: 'constant-arrival-rate', exec: 'write', rate: cfg.writesPerSecond, timeUnit: '1s',
      duration: `${cfg.writeEnd - cfg.politeAt}s`, startTime: `${cfg.politeAt}s`, gracefulStop: '2s', preAllocatedVUs: writerVus(cfg.writesPerSecond), maxVUs: writerVus(cfg.writesPerSecond),
    },
  },
  thresholds: thresholds(),
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

const overLimit = new Counter('throttle_over_limit');
const politeLost = new Counter('throttle_polite_lost');
const politeSent = new Counter('throttle_polite_sent');
const floodSent = new Counter('throttle_flood_sent');
const floodSeen = new Counter('throttle_flood_received');
const windowMax = new Trend('throttle_window_max');
// What the faithful limiter counts: receipts too (a push counts once, and once more per channel it reaches).
const politeReceived = new Counter('throttle_polite_received');
const floodEchoed = new Counter('throttle_flood_echoed');
// Listeners told "Too many messages per second" (faithful: receivers are stopped, not only the pusher).
const listenerShut = new Counter('throttle_listener_shut');
const offenderTold = new Counter('throttle_offender_told');
const syncedAt = new Trend('throttle_synced_updated_at');

export function setup(): { cookies: Record<string, string> } {
  return { cookies: loginAll(cfg.appUrl, cfg.users) };
}

/** users[0] is the offender; every user, the offender's too, has watchers. */
export function watchUser(): void {
  const i = exec.scenario.iterationInTest;
  watch(cfg.supabaseUrl, cfg.anonKey, cfg.users[i % cfg.users.length]!, `watch-${i}`, endS * 1000);
}

export function write(data: { cookies: Record<string, string> }): void {
  const { user, file } = writerSlot(cfg.users, writerVus(cfg.writesPerSecond));
  renameOnce(cfg.appUrl, data.cookies[user.id]!, user, file, exec.scenario.iterationInTest);
}

const TOO_MANY = 'Too many messages per second';

/** Joins `topic` and counts broadcasts; returns their receive times when the socket closes. `mayBeTold`: being stopped by the limiter is expected. */
function listen(topic: string, user: User, untilS: number, mayBeTold: boolean, done: (times: number[]) => void): void {
  const ws = new WebSocket(socketUrl(cfg.supabaseUrl, cfg.anonKey));
  const times: number[] = [];
  ws.onopen = () => join(ws, topic, user.token, []);
  ws.onmessage = (e?: { data: unknown }) => {
    const f = parse(String(e?.data ?? ''));
    if (f?.event === EVENTS.broadcast) times.push(Date.now());
    else if (f?.event === EVENTS.system && f.payload.status === 'error') {
      if (mayBeTold && f.payload.message === TOO_MANY) listenerShut.add(1);
      else errors.add(1, { kind: `listener_${f.payload.message ?? 'system'}` });
    }
  };
  setTimeout(() => { done(times); ws.close(); }, untilS * 1000);
}

export function politeListener(): void {
  listen('polite', cfg.users[1 % cfg.users.length]!, cfg.floodAt, false, (times) => {
    // The sender reports what it sent; the difference is what the limiter wrongly dropped.
    politeLost.add(Math.max(0, politeCount() - times.length));
    politeReceived.add(times.length);
    overLimit.add(Math.max(0, maxInWindow(times) - cfg.limit));
  });
}

// The polite sender sends exactly this many, below the limit, so the listener knows what to expect.
const politeCount = () => Math.floor((cfg.floodAt - 2 - cfg.politeAt) * cfg.politePerSecond);

export function politeSender(): void {
  push('polite', cfg.users[1 % cfg.users.length]!, cfg.politePerSecond, politeCount(), politeSent, (f) => {
    errors.add(1, { kind: `polite_${f.payload.message ?? f.event}` });
  });
}

export function floodListener(): void {
  const faithful = cfg.profile === 'faithful';
  listen('flood', cfg.users[2 % cfg.users.length]!, cfg.writeEnd, faithful, (times) => {
    const max = maxInWindow(times);
    floodSeen.add(times.length);
    windowMax.add(max);
    // Under faithful a burst passes until the next 5 s tick: the harness checks the ticks instead.
    if (!faithful) overLimit.add(Math.max(0, max - cfg.limit));
  });
}

/** Joins `topic` and pushes `count` broadcasts at `perSecond`; `onError` gets a system error or phx_close. */
function push(topic: string, user: User, perSecond: number, count: number, sent: Counter, onError: (f: NonNullable<ReturnType<typeof parse>>) => void): void {
  const ws = new WebSocket(socketUrl(cfg.supabaseUrl, cfg.anonKey));
  let joinRef = '';
  let n = 0;
  let stopped = false;
  ws.onopen = () => { joinRef = join(ws, topic, user.token, []); };
  ws.onmessage = (e?: { data: unknown }) => {
    const f = parse(String(e?.data ?? ''));
    if (!f) return;
    if (f.event === EVENTS.reply && f.ref === joinRef) {
      const timer = setInterval(() => {
        if (stopped || n >= count) { clearInterval(timer); ws.close(); return; }
        broadcast(ws, topic, joinRef, 'tick', { n: n++ });
        sent.add(1);
      }, 1000 / perSecond);
    } else if ((f.event === EVENTS.system && f.payload.status === 'error') || f.event === EVENTS.close) {
      stopped = true;
      onError(f);
    }
  };
}

export function offender(data: { cookies: Record<string, string> }): void {
  const user = cfg.users[0]!;
  const startedAt = Date.now();
  let told = '';
  const ws = new WebSocket(socketUrl(cfg.supabaseUrl, cfg.anonKey));
  let joinRef = '';
  let rejoinRef = '';
  let timer: ReturnType<typeof setInterval> | undefined;
  const bindings = [{ event: 'UPDATE', schema: 'public', table: 'audio_files', filter: `user_id=eq.${user.id}` }];
  // It hears its own pushes: under faithful a receiver is what the limiter stops.
  ws.onopen = () => { joinRef = join(ws, 'flood', user.token, bindings, { self: true }); };
  ws.onmessage = (e?: { data: unknown }) => {
    const f = parse(String(e?.data ?? ''));
    if (!f) return;
    if (f.event === EVENTS.broadcast && !told) floodEchoed.add(1);
    else if (f.event === EVENTS.reply && f.ref === joinRef && !timer) {
      let n = 0;
      timer = setInterval(() => { broadcast(ws, 'flood', joinRef, 'tick', { n: n++ }); floodSent.add(1); }, 1000 / (cfg.limit * 3));
    } else if (f.event === EVENTS.system && f.payload.status === 'error' && f.topic === `${TOPIC_PREFIX}flood` && !told) {
      told = f.payload.message ?? '';
      if (told === TOO_MANY) offenderTold.add(1);
      clearInterval(timer);
      // Like a well-behaved client: wait for the window and the writers to pass, reconcile, rejoin.
      const writersDone = startedAt + (cfg.writeEnd + 3 - cfg.floodAt) * 1000;
      setTimeout(() => {
        const view = sync(cfg.appUrl, data.cookies[user.id]!);
        const mine = view.audioFiles.find((a) => a.id === user.files[0]);
        if (mine) syncedAt.add(Date.parse(mine.updatedAt), { user: user.id });
        rejoinRef = join(ws, 'flood', user.token, bindings);
      }, Math.max(1500, writersDone - Date.now()));
    } else if (f.event === EVENTS.reply && f.ref === rejoinRef) {
      check(f, { 'offender rejoins once the window has passed': (x: typeof f) => x.payload.status === 'ok' });
      ws.close();
    }
  };
  const beat = setInterval(() => heartbeat(ws), 25_000);
  setTimeout(() => {
    clearInterval(beat);
    clearInterval(timer);
    check(told, { 'offender told "Too many messages per second"': (m: string) => m === TOO_MANY });
    ws.close();
  }, (endS - cfg.floodAt) * 1000);
}

export function handleSummary(data: unknown) {
  return { [cfg.summaryPath]: JSON.stringify(data, null, 2), stdout: '' };
}
