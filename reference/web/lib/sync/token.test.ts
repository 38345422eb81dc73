import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refreshDelayMs } from './token.ts';

test('an hour-long token is refreshed a minute before it expires', () => {
  const now = 1_000_000_000;
  assert.equal(refreshDelayMs(now / 1000 + 3600, now, now), 3540_000);
});

test('a short-lived token is refreshed half way through its life', () => {
  const now = 1_000_000_000;
  assert.equal(refreshDelayMs(now / 1000 + 6, now, now), 3_000);
  assert.equal(refreshDelayMs(now / 1000 + 6, now, now + 2_000), 1_000);
});

test('an already expired or skewed token is retried after a second, not in a tight loop', () => {
  const now = 1_000_000_000;
  assert.equal(refreshDelayMs(now / 1000 - 10, now, now), 1_000);
});
