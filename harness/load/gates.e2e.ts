// The load gates must fail on planted server bugs: a limiter looser than configured (throttle) and
// lost deliveries (fan-out). The passing runs are the `load smoke` stages of npm test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runThrottle, THROTTLE_SIZES, ticksFollow } from './throttle.ts';
import { runFanout } from './fanout.ts';
import { ensureK6 } from '../setup/k6.ts';
import { maxInWindow } from '../../k6/lib/window.ts';

test('maxInWindow counts the busiest sliding window, not aligned seconds', () => {
  assert.equal(maxInWindow([]), 0);
  assert.equal(maxInWindow([0, 999, 1000, 1998]), 3, '999, 1000 and 1998 lie within 1 s');
  assert.equal(maxInWindow([0, 1000, 2000]), 1, 'a window is half-open: 1000 ms apart is two windows');
  assert.equal(maxInWindow([900, 950, 1000, 1050, 1899]), 5);
  assert.equal(maxInWindow([0, 500, 1000, 1500, 2000]), 2);
});

test('a limiter twice as loose as configured fails the throttle gate', { timeout: 300_000 }, async () => {
  await ensureK6(() => {});
  const size = THROTTLE_SIZES.smoke;
  // The stack it boots is faithful (the default): its counter releases below 2L, where L has ticks still over the limit.
  const r = await runThrottle(size, () => {}, { serverLimit: size.limit * 2, ownStack: true });
  assert.equal(r.passed, false);
  const ticks = r.checks.find((c) => c.name === 'the events limit trips and releases on its ticks as configured')!;
  assert.equal(ticks.ok, false, ticks.detail);
});

test('ticksFollow: tripped exactly at or above the limit, on every tick since the run began', () => {
  const tick = (at: number, avg: number, triggered: boolean) => ({ at, avg, triggered, count: 0, sum: 0 });
  assert.equal(ticksFollow([tick(0, 50, false), tick(10, 5, false), tick(15, 20, true), tick(20, 19.9, false)], 5, 20).ok, true, 'an earlier tick is not looked at');
  assert.equal(ticksFollow([tick(10, 25, false)], 0, 20).ok, false, 'over the limit and not tripped');
  assert.equal(ticksFollow([tick(10, 15, true)], 0, 20).ok, false, 'tripped under the limit');
  assert.equal(ticksFollow([], 0, 20).ok, false, 'no tick seen: nothing was checked');
  assert.equal(ticksFollow([tick(1, 30, true), tick(2, 30, true), tick(3, 1, false), tick(4, 40, true)], 0, 20).trips, 2);
});

test('a server that drops one delivery in 50 fails the fan-out gate, per user', { timeout: 180_000 }, async () => {
  await ensureK6(() => {});
  process.env.SYNCWRIGHT_RT_PLANTED = 'drop-deliveries';
  try {
    const r = await runFanout({ subscribers: 50, users: 5, writesPerSecond: 10, durationS: 10 }, () => {}, { baseline: false, ownStack: true });
    assert.equal(r.passed, false);
    assert.ok(r.committed > 0, 'writers committed through the app');
    assert.ok(r.lost > 0 && r.lost === r.expected - r.delivered, `lost ${r.lost} of ${r.expected}`);
    assert.ok(r.lostUsers > 0);
  } finally {
    delete process.env.SYNCWRIGHT_RT_PLANTED;
  }
});
