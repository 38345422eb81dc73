// Rate limits as production counts them (faithful, the default; limiter.ts has the sources): the
// real server's averaged counters, checked on a tick, with what tripping each one does. Its 5 s
// ticks over 12 buckets (a 60 s average) are shortened to 200 ms over 5 (a 1 s average), so the
// test need not send a minute's worth nor wait for a tick.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimeChannel, RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, subscribed, userToken, waitFor, type Rig } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';
import { DEFAULT_JWT_SECRET, mintServiceRoleKey } from '../../stack/keys.ts';
import { CLIENT_PRESENCE_LIMIT, TOO_MANY_MESSAGES, TOO_MANY_PRESENCE } from '../limiter.ts';
import { LIMIT_TRIP_PATH, METRICS_PATH } from '../control.ts';

type System = { extension?: string; status?: string; message?: string; channel?: string };
type Counter = { limit: number; avg: number; triggered: boolean; counted: number; trips: number; tickMs: number };
type Metrics = {
  profile: string; counters: Record<'events' | 'db_events' | 'presence_events' | 'joins', Counter>;
  dropped: { postgres_changes: { changes: number; deliveries: number }; broadcasts_from_database: number }; shut: Record<string, number>;
};

let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
const LIMITS = { maxEventsPerSecond: 5, maxPresenceEventsPerSecond: 2, maxJoinsPerSecond: 6 };
before(async () => ({ rig, db, stop } = await startRigWithDb(LIMITS, { timing: { rateTickMs: 200, rateBuckets: 5 } })));
after(() => stop());

const service = () => mintServiceRoleKey(DEFAULT_JWT_SECRET);
async function metrics(): Promise<Metrics> {
  const res = await fetch(`${rig.server.url}${METRICS_PATH}`, { headers: { authorization: `Bearer ${await service()}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as Metrics;
}
/** Polls the metrics until `fn` holds (the counters move on their ticks). */
async function metricsUntil(fn: (m: Metrics) => boolean, what: string): Promise<Metrics> {
  const start = Date.now();
  for (;;) {
    const m = await metrics();
    if (fn(m)) return m;
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(m.counters, (k, v) => (k === 'history' ? undefined : v))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const released = (name: keyof Metrics['counters']) => metricsUntil((m) => !m.counters[name].triggered, `${name} released`);
/** Nothing of `name` left in its window, so a test's counts are its own. */
const quiet = (name: keyof Metrics['counters']) => metricsUntil((m) => !m.counters[name].triggered && m.counters[name].avg === 0, `${name} quiet`);

function watchSystem(ch: RealtimeChannel): System[] {
  const seen: System[] = [];
  ch.on('system' as never, {} as never, (m: System) => { seen.push(m); });
  return seen;
}

const insert = (name: string) => db.query(`insert into audio_files (user_id, name) values ($1, $2)`, [ALICE.id, name]);

test('broadcasts over max_events_per_second stop each channel that receives one, after it; the sender goes on', async () => {
  const [a, b, c] = [client(rig), client(rig), client(rig)];
  const sender = a.channel('flood');
  const listener = b.channel('flood');
  const got: number[] = [];
  listener.on('broadcast', { event: 'n' }, ({ payload }) => { got.push((payload as { n: number }).n); });
  const listenerSystem = watchSystem(listener);
  const senderSystem = watchSystem(sender);
  // A channel that only listens to postgres_changes is not counted among message receivers.
  await c.realtime.setAuth(await userToken(ALICE));
  const changes: string[] = [];
  const files = c.channel('files').on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never,
    (p: RealtimePostgresChangesPayload<{ name: string }>) => { changes.push((p.new as { name: string }).name); });
  const filesSystem = watchSystem(files);
  for (const ch of [sender, listener, files]) assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  await waitFor(() => filesSystem.find((m) => m.message === 'Subscribed to PostgreSQL'), 5000, 'the files channel live');

  // Each push counts one and each receipt one more: the sender goes on until the listener is told.
  let sent = 0;
  while (!listenerSystem.length && sent < 200) {
    await sender.send({ type: 'broadcast', event: 'n', payload: { n: sent++ } });
    await new Promise((r) => setTimeout(r, 10));
  }
  const told = await waitFor(() => listenerSystem.find((m) => m.status === 'error'), 5000, 'the listener told');
  const toldAt = Date.now();
  assert.deepEqual(told, { extension: 'system', status: 'error', message: TOO_MANY_MESSAGES, channel: 'flood' });
  await waitFor(() => (listener.state === 'closed' ? true : undefined), 5000, 'the listener channel closed');
  assert.deepEqual(got, [...Array(got.length).keys()], 'every message up to the one that found the limit tripped was delivered, that one too');
  assert.ok(got.length > LIMITS.maxEventsPerSecond, `a burst passes until the tick (${got.length} got through)`);
  const trip = (await metrics()).counters.events;
  const trippedAt = (trip as Counter & { history: { at: number; triggered: boolean }[] }).history.find((h) => h.triggered)?.at;
  assert.ok(trippedAt !== undefined && trippedAt <= toldAt, 'told only after a tick found the average over the limit');
  assert.equal(sender.state, 'joined', 'the sender is not stopped');
  assert.ok(!senderSystem.some((m) => m.status === 'error'));

  await insert('during-events-trip.wav');
  await waitFor(() => changes.includes('during-events-trip.wav') || undefined, 5000, 'a change while the events limit is tripped');
  assert.equal(files.state, 'joined');
  assert.equal((await metrics()).shut[TOO_MANY_MESSAGES], 1);
  await Promise.all([a.removeAllChannels(), b.removeAllChannels(), c.removeAllChannels()]);
  await released('events');
});

test('database changes over the limit (one per subscriber) are dropped while it is tripped, and nobody is told', async () => {
  await quiet('db_events');
  const clients = [client(rig), client(rig)];
  const got: string[][] = [[], []];
  const system: System[][] = [];
  const channels = await Promise.all(clients.map(async (sb, i) => {
    await sb.realtime.setAuth(await userToken(ALICE));
    const ch = sb.channel(`db-${i}`).on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never,
      (p: RealtimePostgresChangesPayload<{ name: string }>) => { got[i]!.push((p.new as { name: string }).name); });
    system.push(watchSystem(ch));
    assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
    return ch;
  }));
  await waitFor(() => system.every((s) => s.some((m) => m.message === 'Subscribed to PostgreSQL')) || undefined, 5000, 'both live');
  const before = await metrics();

  for (const n of ['b1.wav', 'b2.wav', 'b3.wav']) await insert(n);
  await waitFor(() => got.every((g) => g.length === 3) || undefined, 5000, 'the burst to both');
  const tripped = await metricsUntil((m) => m.counters.db_events.triggered, 'the database events limit tripped');
  assert.equal(tripped.counters.db_events.counted - before.counters.db_events.counted, 6, 'three changes, two subscribers each');

  await insert('dropped.wav');
  await new Promise((r) => setTimeout(r, 500));
  const during = await metrics();
  assert.deepEqual(during.dropped.postgres_changes, { changes: before.dropped.postgres_changes.changes + 1, deliveries: before.dropped.postgres_changes.deliveries + 2 });
  assert.equal(during.counters.db_events.counted, tripped.counters.db_events.counted, 'a dropped change counts nothing');

  await released('db_events');
  await insert('after.wav');
  await waitFor(() => got.every((g) => g.includes('after.wav')) || undefined, 5000, 'the change after the limit released');
  for (const g of got) assert.deepEqual(g, ['b1.wav', 'b2.wav', 'b3.wav', 'after.wav']);
  assert.ok(system.flat().every((m) => m.status === 'ok'), 'no system error: the drop is silent');
  assert.ok(channels.every((ch) => ch.state === 'joined'));
  await Promise.all(clients.map((sb) => sb.removeAllChannels()));
});

test('a channel sending a sixth presence message within 30 s is stopped with "Client presence rate limit exceeded"', async () => {
  const sb = client(rig);
  const ch = sb.channel('presence-client', { config: { presence: { key: 'one' } } });
  const system = watchSystem(ch);
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  // untrack: a presence message that adds nothing to the tenant's presence count.
  for (let i = 0; i < 5; i++) assert.equal(await ch.untrack(), 'ok');
  void ch.untrack();
  const told = await waitFor(() => system.find((m) => m.status === 'error'), 5000, 'the sixth refused');
  assert.deepEqual(told, { extension: 'system', status: 'error', message: CLIENT_PRESENCE_LIMIT, channel: 'presence-client' });
  await waitFor(() => (ch.state === 'closed' ? true : undefined), 5000, 'the channel closed');
  await sb.removeAllChannels();
});

test('over max_presence_events_per_second a track, and a join with presence, stop the channel', async () => {
  await quiet('presence_events');
  const [a, b] = [client(rig), client(rig)];
  const first = a.channel('presence-tenant', { config: { presence: { key: 'a' } } }).on('presence', { event: 'sync' }, () => {});
  const firstSystem = watchSystem(first);
  assert.equal((await subscribed(first)).status, 'SUBSCRIBED');
  // The join's presence state, the track and its diff to itself: 3 in a second, over 2 per second.
  assert.equal(await first.track({ n: 1 }), 'ok');
  await metricsUntil((m) => m.counters.presence_events.avg > LIMITS.maxPresenceEventsPerSecond, 'the presence average over the limit');
  void first.track({ n: 2 });
  assert.deepEqual(await waitFor(() => firstSystem.find((m) => m.status === 'error'), 5000, 'the track refused'),
    { extension: 'system', status: 'error', message: TOO_MANY_PRESENCE, channel: 'presence-tenant' });
  const second = b.channel('presence-tenant', { config: { presence: { key: 'b' } } }).on('presence', { event: 'sync' }, () => {});
  const secondSystem = watchSystem(second);
  assert.equal((await subscribed(second)).status, 'SUBSCRIBED', 'the join itself is answered');
  assert.equal((await waitFor(() => secondSystem.find((m) => m.status === 'error'), 5000, 'the presence state refused')).message, TOO_MANY_PRESENCE);
  const m = await metrics();
  assert.equal(m.shut[TOO_MANY_PRESENCE], 2);
  assert.equal(m.shut[CLIENT_PRESENCE_LIMIT], 1);
  await Promise.all([a.removeAllChannels(), b.removeAllChannels()]);
});

test('the limit-trip fault drops changes for its time; bad bodies are refused and trip nothing', async () => {
  await Promise.all([quiet('events'), quiet('db_events')]);
  const trip = async (body: unknown, token?: string) => fetch(`${rig.server.url}${LIMIT_TRIP_PATH}`, {
    method: 'POST', headers: { authorization: `Bearer ${token ?? await service()}` }, body: JSON.stringify(body),
  });
  const refused = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    assert.equal(((await res.json()) as { code: string }).code, code);
  };
  await refused(await trip({ ms: 0 }), 400, 'invalid_body');
  await refused(await trip({}), 400, 'invalid_body');
  await refused(await trip({ ms: 100, limit: 'joins' }), 400, 'invalid_body');
  await refused(await trip({ ms: 100 }, await userToken(ALICE)), 401, 'unauthorized');
  await refused(await fetch(`${rig.server.url}${LIMIT_TRIP_PATH}`), 405, 'method_not_allowed');
  const after = (await metrics()).counters;
  assert.ok(!after.events.triggered && !after.db_events.triggered, 'nothing tripped');

  const sb = client(rig);
  await sb.realtime.setAuth(await userToken(ALICE));
  const got: string[] = [];
  const system: System[] = [];
  const ch = sb.channel('trip').on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never,
    (p: RealtimePostgresChangesPayload<{ name: string }>) => { got.push((p.new as { name: string }).name); });
  ch.on('system' as never, {} as never, (m: System) => { system.push(m); });
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  await waitFor(() => system.find((m) => m.message === 'Subscribed to PostgreSQL'), 5000, 'live');
  const res = await trip({ ms: 1000, limit: 'db_events' });
  assert.deepEqual(await res.json(), { ms: 1000, limits: ['db_events'], profile: 'faithful' });
  await insert('tripped.wav');
  await released('db_events');
  await insert('released.wav');
  await waitFor(() => got.includes('released.wav') || undefined, 5000, 'the change after the trip');
  assert.deepEqual(got, ['released.wav']);
  await sb.removeAllChannels();
});

test('joins: refused with ClientJoinRateLimitReached once a tick finds the average over max_joins_per_second', async () => {
  await quiet('joins');
  const noisy = client(rig);
  // One join after another until one is refused: none is before a tick has found 6 in the last second.
  const results: { status: string; err?: Error }[] = [];
  while (results.length < 40 && !results.some((r) => r.status === 'CHANNEL_ERROR')) {
    results.push(await subscribed(noisy.channel(`j${results.length}`)));
    await new Promise((r) => setTimeout(r, 40));
  }
  const refusedAt = Date.now();
  const refused = results.at(-1)!;
  assert.equal(refused.status, 'CHANNEL_ERROR', `${results.length} joins, none refused`);
  assert.match(String(refused.err?.message), /ClientJoinRateLimitReached: Too many joins per second/);
  assert.ok(results.slice(0, -1).every((r) => r.status === 'SUBSCRIBED'));
  const history = (await metrics()).counters.joins as Counter & { history: { at: number; avg: number; triggered: boolean }[] };
  const trip = history.history.find((h) => h.triggered);
  assert.ok(trip && trip.at <= refusedAt && trip.avg >= LIMITS.maxJoinsPerSecond, `refused after a tick found the average at the limit: ${JSON.stringify(trip)}`);
  await noisy.removeAllChannels();
});

test('the metrics endpoint: service role only, GET only', async () => {
  const m = await metrics();
  assert.equal(m.profile, 'faithful');
  assert.equal(m.counters.events.limit, LIMITS.maxEventsPerSecond);
  assert.equal(m.counters.events.tickMs, 200);
  assert.equal((await fetch(`${rig.server.url}${METRICS_PATH}`, { headers: { authorization: `Bearer ${await userToken(ALICE)}` } })).status, 401);
  assert.equal((await fetch(`${rig.server.url}${METRICS_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${await service()}` } })).status, 405);
});
