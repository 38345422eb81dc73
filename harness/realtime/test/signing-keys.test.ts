// A project whose keys are signed by an asymmetric key, as `syncwright up --jwt-alg` sets one up:
// the anon key and user tokens carry the alg and kid, the public key is served as the project's
// JWKS, and the unmodified supabase-js, created with the project's publishable key as an app on
// such a project is, subscribes with a user's token; a token of another key is refused.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { decodeProtectedHeader, generateKeyPair, type JWK } from 'jose';
import { startRigWithDb, client, waitFor, subscribed, type Rig } from '../rig.ts';
import { DEFAULT_PUBLISHABLE_KEY, mintUserToken } from '../../stack/keys.ts';
import { JWKS_PATH } from '../../stack/signing.ts';
import { ALICE, BOB } from '../../stack/seed-users.ts';

async function join(rig: Rig, token: string, topic: string) {
  const sb = client(rig, { key: DEFAULT_PUBLISHABLE_KEY, token: async () => token });
  // Fetch the token before the join, as the reference app does (supabase-js #2655).
  await sb.realtime.setAuth();
  const got: { new: { user_id: string } }[] = [];
  const system: { message: string }[] = [];
  const channel = sb.channel(topic)
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never, (p: { new: { user_id: string } }) => got.push(p))
    .on('system' as never, {} as never, (p: { message: string }) => system.push(p));
  const { status, err } = await subscribed(channel);
  return { sb, got, system, status, err };
}

for (const alg of ['ES256', 'EdDSA'] as const) {
  describe(`a project signing with ${alg}`, () => {
    let rig: Rig;
    let db: pg.Client;
    let stop: () => Promise<void>;
    before(async () => { ({ rig, db, stop } = await startRigWithDb(undefined, { jwtAlg: alg })); });
    after(() => stop());

    test('serves its public key, and only that, at /auth/v1/.well-known/jwks.json', async () => {
      const res = await fetch(`${rig.server.url}${JWKS_PATH}`);
      assert.equal(res.status, 200);
      const { keys } = await res.json() as { keys: JWK[] };
      assert.equal(keys.length, 1);
      const { kid } = decodeProtectedHeader(rig.anonKey);
      assert.equal(keys[0]!.kid, kid);
      assert.equal(keys[0]!.alg, alg);
      assert.equal(keys[0]!.d, undefined, 'no private part');
      for (const token of [rig.anonKey, rig.serviceRoleKey, await rig.userToken(ALICE)]) {
        assert.deepEqual(decodeProtectedHeader(token), { alg, typ: 'JWT', kid });
      }
    });

    test('supabase-js joins with a user token, receives that user\'s rows only; a token of another key under the same kid is refused', { timeout: 30_000 }, async () => {
      const c = await join(rig, await rig.userToken(ALICE), `signing-${alg}`);
      assert.equal(c.status, 'SUBSCRIBED', String(c.err));
      await waitFor(() => c.system.find((s) => s.message === 'Subscribed to PostgreSQL'), 5000, 'postgres_changes ack');
      await db.query(`insert into audio_files (user_id, name) values ($1, 'bob.wav'), ($2, 'alice.wav')`, [BOB.id, ALICE.id]);
      await waitFor(() => c.got[0], 5000, 'alice\'s insert');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(c.got.map((p) => p.new.user_id), [ALICE.id]);
      await c.sb.removeAllChannels();

      const { kid } = decodeProtectedHeader(rig.anonKey);
      const other = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
      const forged = await join(rig, await mintUserToken({ alg, key: other.privateKey, kid }, ALICE), `forged-${alg}`);
      assert.equal(forged.status, 'CHANNEL_ERROR');
      assert.match(String(forged.err?.message), /JwtSignatureError: Failed to validate JWT signature/);
      await forged.sb.removeAllChannels();
    });
  });
}
