// Realtime.RateCounter's arithmetic (rate_counter.ex), on a mocked clock: 5 s ticks, 12 buckets.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { RateCounter } from './rate-counter.ts';

beforeEach(() => mock.timers.enable({ apis: ['setInterval', 'Date'] }));
afterEach(() => mock.timers.reset());

const WINDOW = { tickMs: 5000, buckets: 12 };

test('a burst passes until the next tick; the average is over the buckets so far, then over 12', () => {
  const c = new RateCounter(WINDOW, { value: 10, measurement: 'avg' });
  c.add(49);
  assert.equal(c.triggered, false, 'nothing is looked at before a tick');
  mock.timers.tick(5000);
  assert.equal(c.avg, 49 / 5);
  assert.equal(c.triggered, false, '9.8 per second is under 10');
  c.add(51);
  mock.timers.tick(5000);
  assert.equal(c.avg, 100 / 2 / 5);
  assert.equal(c.triggered, true, '10 per second averaged over two buckets trips the limit (>=)');
  mock.timers.tick(5000);
  assert.equal(c.triggered, false, 'released once a tick finds it under the limit: 100 over three buckets');
  for (let i = 0; i < 9; i++) mock.timers.tick(5000);
  assert.equal(c.avg, 100 / 12 / 5, 'twelve buckets, the burst still inside');
  mock.timers.tick(5000);
  mock.timers.tick(5000);
  assert.equal(c.sum, 0, 'the burst has left the 60 s window');
  assert.equal(c.trips, 1);
  assert.deepEqual(c.history.map((h) => h.triggered).slice(0, 3), [false, true, false]);
});

test('a tripped limit holds while the average stays at or above it, even with nothing new', () => {
  const c = new RateCounter(WINDOW, { value: 2, measurement: 'avg' });
  c.add(30);
  mock.timers.tick(5000);
  assert.equal(c.triggered, true, '6 per second');
  mock.timers.tick(5000);
  assert.equal(c.avg, 3);
  assert.equal(c.triggered, true, '30 over two buckets is still 3 per second');
  mock.timers.tick(5000);
  assert.equal(c.avg, 2);
  assert.equal(c.triggered, true, 'exactly the limit holds it');
  mock.timers.tick(5000);
  assert.equal(c.triggered, false, '1.5 per second releases it');
});

test('a sum limit (connect errors: 1 s ticks, 5 buckets, 3 errors) and the forced trip', () => {
  const c = new RateCounter({ tickMs: 1000, buckets: 5 }, { value: 3, measurement: 'sum' });
  c.add(); c.add();
  mock.timers.tick(1000);
  assert.equal(c.triggered, false);
  c.add();
  mock.timers.tick(1000);
  assert.equal(c.triggered, true, 'three within five seconds');
  for (let i = 0; i < 3; i++) mock.timers.tick(1000);
  assert.equal(c.triggered, true, 'the first two are still inside the window');
  mock.timers.tick(1000);
  assert.equal(c.triggered, false, 'they left it');
  c.trip(1500);
  assert.equal(c.triggered, true, 'forced at once, without a tick');
  mock.timers.tick(1000);
  assert.equal(c.triggered, true);
  mock.timers.tick(1000);
  assert.equal(c.triggered, false, 'the forced trip ends on its own');
  assert.equal(c.trips, 2);
});

test('an idle counter stops after five minutes of empty buckets and starts afresh on next use', () => {
  const c = new RateCounter(WINDOW, { value: 1, measurement: 'avg' });
  c.add(100);
  mock.timers.tick(5000);
  assert.equal(c.triggered, true);
  mock.timers.tick(5 * 60_000);
  assert.equal(c.startedAt, undefined, 'stopped');
  assert.equal(c.triggered, false);
  c.add(3);
  assert.notEqual(c.startedAt, undefined);
  mock.timers.tick(5000);
  assert.equal(c.avg, 3 / 5, 'one bucket again');
  assert.equal(c.counted, 103, 'what it ever counted is kept for the metrics');
  c.stop();
});
