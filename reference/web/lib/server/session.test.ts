// The access tokens the app mints (for its browser's Realtime socket) are signed as the project's
// Supabase Auth signs them: with the JWT secret by default, with the private key `syncwright up
// --jwt-alg` made (its alg and kid in the header) otherwise, so Realtime verifies them through the JWKS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import { projectKeys } from '../../../../harness/stack/signing.ts';
import { checkToken } from '../../../../harness/realtime/auth.ts';
import { DEFAULT_JWT_SECRET } from '../../../../harness/stack/keys.ts';

const env = { DATABASE_URL: 'postgres://unused', NEXT_PUBLIC_SUPABASE_URL: 'http://127.0.0.1:1', NEXT_PUBLIC_SUPABASE_ANON_KEY: 'unused', SUPABASE_JWT_SECRET: DEFAULT_JWT_SECRET };

test('with a signing JWK (up --jwt-alg ES256) access tokens carry its alg and kid and verify through the JWKS', async () => {
  const keys = await projectKeys('ES256', DEFAULT_JWT_SECRET);
  Object.assign(process.env, env, { SUPABASE_JWT_ALG: 'ES256', SUPABASE_JWT_SIGNING_JWK: JSON.stringify(keys.privateJwk) });
  const { mintToken } = await import('./session.ts');
  const token = await mintToken('00000000-0000-4000-8000-000000000001', 'a@example.test', 600);
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', typ: 'JWT', kid: keys.privateJwk!.kid });
  const check = await checkToken({ secret: DEFAULT_JWT_SECRET, jwks: keys.jwks }, token);
  assert.equal(check.ok, true, JSON.stringify(check));
});
