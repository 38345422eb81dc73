// The load gates must fail on planted server bugs: a limiter looser than configured (throttle) and
// lost deliveries (fan-out). The passing runs are the `load smoke` stages of npm test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runThrottle, THROTTLE_SIZES } from './throttle.ts';
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

test('a limiter twice as loose as configured fails the throttle gate', { timeout: 180_000 }, async () => {
  await ensureK6(() => {});
  const size = THROTTLE_SIZES.smoke;
  const r = await runThrottle(size, () => {}, { serverLimit: size.limit * 2, ownStack: true });
  assert.equal(r.passed, false);
  const window = r.checks.find((c) => c.name === 'never above the limit in any 1 s window')!;
  assert.equal(window.ok, false, window.detail);
  assert.ok(r.metrics.window_max! > size.limit, `a listener saw ${r.metrics.window_max} in 1 s`);
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
