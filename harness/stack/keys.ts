import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

// The Supabase CLI's well-known local secret, so an existing .env.local keeps working.
export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

// The Supabase CLI's well-known local API keys (`supabase status`), for the same reason. They are
// opaque: the API gateway swaps each for a JWT of its role before Realtime sees it (gateway.ts).
export const DEFAULT_PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
export const DEFAULT_SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** A signing key other than the JWT secret: a project's asymmetric key (or an HS key) named by `kid`. */
export interface Signer { alg: string; key: CryptoKey | Uint8Array; kid?: string }

/** Signs with the JWT secret (HS256), as Supabase Auth does by default, or with a signing key. */
export async function signJwt(signer: string | Signer, claims: JWTPayload, expiresInS: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { alg, key: k, kid } = typeof signer === 'string' ? { alg: 'HS256', key: key(signer), kid: undefined } : signer;
  return new SignJWT({ iss: 'supabase-demo', ...claims })
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInS)
    .sign(k);
}

export const mintAnonKey = (signer: string | Signer) => signJwt(signer, { role: 'anon' }, TEN_YEARS_S);
export const mintServiceRoleKey = (signer: string | Signer) => signJwt(signer, { role: 'service_role' }, TEN_YEARS_S);

export function mintUserToken(secret: string | Signer, user: { id: string; email: string }, expiresInS = 3600): Promise<string> {
  return signJwt(secret, { sub: user.id, email: user.email, role: 'authenticated', aud: 'authenticated' }, expiresInS);
}

export async function verifyJwt(secret: string, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] });
  return payload;
}
