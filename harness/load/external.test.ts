// The users of an external target: the seed's, with tokens minted from the JWT secret, or those a
// token file names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, jwtVerify } from 'jose';
import { MINTED_TOKEN_TTL_S, parseTokenFile, seedUsers } from './external.ts';
import { ALICE, BOB } from '../stack/seed-users.ts';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const token = (claims: Record<string, unknown>, expS = 3600) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + expS).sign(new TextEncoder().encode(SECRET));

test('--jwt-secret: the seed users, with authenticated tokens signed by the secret', async () => {
  const users = await seedUsers(SECRET);
  assert.deepEqual(users.map((u) => u.id), [ALICE.id, BOB.id]);
  for (const u of users) {
    const { payload } = await jwtVerify(u.token, new TextEncoder().encode(SECRET));
    assert.equal(payload.sub, u.id);
    assert.equal(payload.role, 'authenticated');
    assert.ok(payload.exp! - payload.iat! === MINTED_TOKEN_TTL_S);
  }
});

test('a token file: one JWT per line with comments, or a JSON array of JWTs or of objects with accessToken', async () => {
  const [a, b] = [await token({ sub: 'user-a' }), await token({ sub: 'user-b' })];
  const want = [{ id: 'user-a', token: a }, { id: 'user-b', token: b }];
  assert.deepEqual(parseTokenFile(`# issued today\n${a}\n\n  ${b}  \n`), want);
  assert.deepEqual(parseTokenFile(JSON.stringify([a, b])), want);
  assert.deepEqual(parseTokenFile(JSON.stringify([{ id: 'user-a', email: 'a@x', accessToken: a }, { accessToken: b }])), want, "stack.json's users");
});

test('a bad token file is refused, naming the entry and what is wrong', async () => {
  const [ok, anon, expired] = [await token({ sub: 'user-a' }), await token({ role: 'anon' }), await token({ sub: 'user-b' }, -10)];
  assert.throws(() => parseTokenFile(`${ok}\nnot-a-jwt\n`), /^Error: line 2 is not a JWT/);
  assert.throws(() => parseTokenFile(`${anon}\n`), /^Error: line 1: the token has no sub/);
  assert.throws(() => parseTokenFile(`${ok}\n${expired}`), /^Error: line 2: the token of user-b expired at 20/);
  assert.throws(() => parseTokenFile(`${ok}\n#\n${ok}`), /^Error: line 3: a second token for user-a \(the first is line 1\)/);
  assert.throws(() => parseTokenFile(JSON.stringify([ok, { token: ok }])), /^Error: entry 2 is neither a token nor an object with an accessToken/);
  assert.throws(() => parseTokenFile('[1, 2'), /^Error: is not valid JSON/);
  assert.throws(() => parseTokenFile('# nothing yet\n'), /^Error: holds no tokens/);
});
