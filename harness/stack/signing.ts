// The project's JWT signing key, as `syncwright up --jwt-alg` chooses it: the legacy JWT secret
// (HS*), or a key pair whose public half Supabase Auth publishes as the project's JWKS (RS256,
// ES256, EdDSA), the choice Supabase's "JWT signing keys" give a project.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Signer } from './keys.ts';

/** Every algorithm `up --jwt-alg` takes; the first is the default. */
export const JWT_ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlg = (typeof JWT_ALGS)[number];

export const isAsymmetric = (alg: JwtAlg) => !alg.startsWith('HS');

/** Where Supabase Auth serves the project's public keys, under the project URL. */
export const JWKS_PATH = '/auth/v1/.well-known/jwks.json';

export interface ProjectKeys {
  alg: JwtAlg;
  /** What signs the keys and tokens: the JWT secret itself for HS256 (as before), else alg + key (+ kid). */
  signer: string | Signer;
  /** The public JWKS Realtime verifies with and the project URL publishes; empty for HS algs (a secret is never published). */
  jwks: { keys: JWK[] };
  /** The private JWK (with kid and alg), for the parts that mint tokens in other processes; absent for HS algs. */
  privateJwk?: JWK;
}

/** The project's keys for `alg`: HS algs sign with `secret`; the others with a new key pair named by a kid. */
export async function projectKeys(alg: JwtAlg, secret: string): Promise<ProjectKeys> {
  if (alg === 'HS256') return { alg, signer: secret, jwks: { keys: [] } };
  // HS384/HS512 tokens carry no kid, so Realtime verifies them with the JWT secret, as HS256 ones.
  if (!isAsymmetric(alg)) return { alg, signer: { alg, key: new TextEncoder().encode(secret) }, jwks: { keys: [] } };
  const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const kid = randomUUID();
  const publicJwk = { ...await exportJWK(pair.publicKey), kid, alg, use: 'sig' };
  const privateJwk = { ...await exportJWK(pair.privateKey), kid, alg };
  return { alg, signer: { alg, key: pair.privateKey, kid }, jwks: { keys: [publicJwk] }, privateJwk };
}

/** A signer from a private JWK that carries its kid and alg (stack.json's `jwtSigningKey`). */
export async function signerFromJwk(jwk: JWK): Promise<Signer> {
  if (!jwk.alg || !jwk.kid) throw new Error('a signing JWK needs its alg and kid');
  return { alg: jwk.alg, key: await importJWK(jwk, jwk.alg) as CryptoKey, kid: jwk.kid };
}

/** What signs tokens for a stack.json: its private JWK when it has one, else its JWT secret with its alg. */
export async function stackSigner(info: { jwtSecret: string; jwtAlg?: string; jwtSigningKey?: JWK }): Promise<string | Signer> {
  if (info.jwtSigningKey) return signerFromJwk(info.jwtSigningKey);
  const alg = info.jwtAlg ?? 'HS256';
  return alg === 'HS256' ? info.jwtSecret : { alg, key: new TextEncoder().encode(info.jwtSecret) };
}
