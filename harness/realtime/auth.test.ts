import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, base64url, exportJWK, generateKeyPair } from 'jose';
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

// Signing keys (JWKS), as projects with asymmetric keys or third-party auth have them; the choice of
// key follows RealtimeWeb.JwtVerification.generate_signer.
const claims = { role: 'authenticated', sub: 'u1' };
const sign = (alg: string, key: Uint8Array | CryptoKey, kid?: string) =>
  new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setExpirationTime('10m').sign(key);

test('HS384 and HS512 tokens are verified with the JWT secret, as HS256 ones are', async () => {
  for (const alg of ['HS384', 'HS512']) {
    const check = await checkToken(DEFAULT_JWT_SECRET, await sign(alg, key));
    assert.equal(check.ok, true, alg);
  }
});

test('RS256, ES256 and EdDSA tokens are verified with the JWKS key their kid names', async () => {
  const keys = [];
  const tokens: [string, string][] = [];
  for (const [alg, kid] of [['RS256', 'rsa-1'], ['ES256', 'ec-1'], ['EdDSA', 'ed-1']] as const) {
    const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    keys.push({ ...await exportJWK(pair.publicKey), kid });
    tokens.push([alg, await sign(alg, pair.privateKey, kid)]);
  }
  const jwt = { secret: DEFAULT_JWT_SECRET, jwks: { keys } };
  for (const [alg, token] of tokens) {
    const check = await checkToken(jwt, token);
    assert.equal(check.ok, true, `${alg}: ${JSON.stringify(check)}`);
  }
  // The HS secret still verifies HS tokens beside a JWKS.
  assert.equal((await checkToken(jwt, await sign('HS256', key, 'some-kid'))).ok, true);
  // A kid the JWKS lacks, or no kid at all, is the real server's signer error.
  const other = await generateKeyPair('ES256');
  assert.deepEqual(await checkToken(jwt, await sign('ES256', other.privateKey, 'ec-2')), {
    ok: false, code: 'JwtSignerError', message: 'Failed to generate JWT signer for key ID (kid) "ec-2", check your JWT secret or JWKS configuration',
  });
  assert.deepEqual(await checkToken(jwt, await sign('ES256', other.privateKey)), {
    ok: false, code: 'JwtSignerError', message: 'Failed to generate JWT signer, check your JWT secret or JWKS configuration',
  });
  // The right kid with another key's signature is a signature error.
  assert.deepEqual(await checkToken(jwt, await sign('ES256', other.privateKey, 'ec-1')), { ok: false, code: 'JwtSignatureError', message: 'Failed to validate JWT signature' });
  // Without a JWKS an asymmetric token has no signer.
  assert.equal((await checkToken(DEFAULT_JWT_SECRET, tokens[1]![1])).ok, false);
});

test('an HS token whose kid names an oct key of the JWKS is verified with that key, not the secret', async () => {
  const k = crypto.getRandomValues(new Uint8Array(32));
  const jwt = { secret: DEFAULT_JWT_SECRET, jwks: { keys: [{ kty: 'oct', kid: 'hs-1', k: base64url.encode(k) }] } };
  assert.equal((await checkToken(jwt, await sign('HS256', k, 'hs-1'))).ok, true);
  assert.equal((await checkToken(jwt, await sign('HS256', key, 'hs-1'))).ok, false, 'the secret is not used for that kid');
});
