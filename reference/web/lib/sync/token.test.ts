import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refreshDelayMs, refreshDue } from './token.ts';

/** An access token as the app mints it (only its claims matter here; the signature is not read). */
const token = (iat: number, exp: number) => ['{"alg":"HS256","typ":"JWT"}', JSON.stringify({ sub: 'u1', iat, exp })]
  .map((s) => Buffer.from(s).toString('base64url')).join('.') + '.sig';

test('an hour-long token is refreshed a minute before it expires', () => {
  assert.equal(refreshDelayMs(token(1_000_000, 1_000_000 + 3600)), 3540_000);
});

test('a short-lived token is refreshed half way through its life', () => {
  assert.equal(refreshDelayMs(token(1_000_000, 1_000_006)), 3_000);
});

test('the browser clock does not matter: the lifetime is the server\'s (exp − iat), the wait runs from receipt', () => {
  // Issued "in the past" or "the future" by a skewed browser's reckoning: the same wait.
  for (const iat of [1, 1_000_000, 9_000_000_000]) assert.equal(refreshDelayMs(token(iat, iat + 6)), 3_000);
});

test('a token without a lifetime is retried after a second, not in a tight loop', () => {
  assert.equal(refreshDelayMs(token(1_000_000, 1_000_000)), 1_000);
});

test('a token is due for refresh once the wall time since receipt passes its refresh point, though no timer fired', () => {
  const t = token(1_000_000, 1_000_020);
  assert.equal(refreshDue(t, 50_000, 50_000 + 9_999), false);
  assert.equal(refreshDue(t, 50_000, 50_000 + 10_000), true);
  // Asleep for an hour: long past its expiry.
  assert.equal(refreshDue(t, 50_000, 50_000 + 3_600_000), true);
});
