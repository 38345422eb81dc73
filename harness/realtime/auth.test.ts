import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { checkToken } from './auth.ts';
import { DEFAULT_JWT_SECRET, signJwt } from '../stack/keys.ts';

// Expected strings are the real server's (RealtimeWeb.ChannelsAuthorization and RealtimeChannel's join errors).
const key = new TextEncoder().encode(DEFAULT_JWT_SECRET);

test('a valid token gives its claims and how long it has left', async () => {
  const check = await checkToken(DEFAULT_JWT_SECRET, await signJwt(DEFAULT_JWT_SECRET, { role: 'authenticated', sub: 'u1' }, 600));
  assert.equal(check.ok, true);
  if (!check.ok) return;
  assert.equal(check.claims.sub, 'u1');
  assert.ok(check.expiresInMs > 595_000 && check.expiresInMs <= 600_000, String(check.expiresInMs));
});

test('an expired token says how many seconds ago it expired', async () => {
  const check = await checkToken(DEFAULT_JWT_SECRET, await signJwt(DEFAULT_JWT_SECRET, { role: 'anon' }, -30));
  assert.equal(check.ok, false);
  if (check.ok) return;
  assert.equal(check.code, 'InvalidJWTToken');
  assert.match(check.message, /^Token has expired (30|31) seconds ago$/);
});

test('a token signed with another secret is a signature error', async () => {
  const check = await checkToken(DEFAULT_JWT_SECRET, await signJwt('another-secret-another-secret-another-secret', { role: 'anon' }, 600));
  assert.deepEqual(check, { ok: false, code: 'JwtSignatureError', message: 'Failed to validate JWT signature' });
});

test('missing role or exp is refused', async () => {
  const noExp = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
  const noRole = await new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key);
  for (const token of [noExp, noRole]) {
    assert.deepEqual(await checkToken(DEFAULT_JWT_SECRET, token),
      { ok: false, code: 'InvalidJWTToken', message: 'Fields `role` and `exp` are required in JWT' });
  }
});

test('anything that is not a JWT is MalformedJWT', async () => {
  for (const token of ['abc', 'a.b.c', '', undefined, 42, null]) {
    assert.deepEqual(await checkToken(DEFAULT_JWT_SECRET, token),
      { ok: false, code: 'MalformedJWT', message: 'The token provided is not a valid JWT' }, String(token));
  }
});
