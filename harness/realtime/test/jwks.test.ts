// Projects with asymmetric signing keys (or third-party auth) hand the realtime server tokens it
// verifies through the project's JWKS: the unmodified supabase-js must subscribe and receive with them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { exportJWK, generateKeyPair } from 'jose';
import { startRigWithDb, client, waitFor, subscribed, type Rig } from '../rig.ts';
import { mintUserToken, type Signer } from '../../stack/keys.ts';
import { ALICE } from '../../stack/seed-users.ts';

let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
const signers: Signer[] = [];

before(async () => {
  const keys = [];
  for (const [alg, kid] of [['ES256', 'ec-1'], ['RS256', 'rsa-1'], ['EdDSA', 'ed-1']] as const) {
    const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    keys.push({ ...await exportJWK(pair.publicKey), kid, alg });
    signers.push({ alg, key: pair.privateKey, kid });
  }
  ({ rig, db, stop } = await startRigWithDb(undefined, { jwtJwks: { keys } }));
});
after(() => stop());

async function join(token: string) {
  const sb = client(rig, { token: async () => token });
  // Fetch the token before the join, as the reference app does (a channel subscribed at once would
  // join with the apikey: supabase-js #2655).
  await sb.realtime.setAuth();
  const got: unknown[] = [];
  const system: { status: string; message: string }[] = [];
  const channel = sb.channel(`jwks-${Math.random()}`)
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'audio_files' } as never, (p: unknown) => got.push(p))
    .on('system' as never, {} as never, (p: { status: string; message: string }) => system.push(p));
  const { status, err } = await subscribed(channel);
  return { sb, got, system, status, err };
}

for (const i of [0, 1, 2]) {
  test(`a user token signed with the project's key (${['ES256', 'RS256', 'EdDSA'][i]}) subscribes, and RLS sees its claims`, async () => {
    const c = await join(await mintUserToken(signers[i]!, ALICE));
    assert.equal(c.status, 'SUBSCRIBED', String(c.err));
    await waitFor(() => c.system.find((s) => s.message === 'Subscribed to PostgreSQL'), 5000, 'postgres_changes ack');
    await db.query(`insert into audio_files (user_id, name) values ($1, 'jwks.wav')`, [ALICE.id]);
    await waitFor(() => c.got[0], 5000, 'the insert under RLS as alice');
    await c.sb.removeAllChannels();
  });
}

test('a token whose kid is not in the JWKS is refused with the real server\'s signer error', async () => {
  const stranger = await generateKeyPair('ES256');
  const c = await join(await mintUserToken({ alg: 'ES256', key: stranger.privateKey, kid: 'ec-9' }, ALICE));
  assert.equal(c.status, 'CHANNEL_ERROR');
  assert.match(String(c.err?.message), /JwtSignerError: Failed to generate JWT signer for key ID \(kid\) "ec-9", check your JWT secret or JWKS configuration/);
  await c.sb.removeAllChannels();
});
