import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

// The Supabase CLI's well-known local secret, so an existing .env.local keeps working.
export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signJwt(secret: string, claims: JWTPayload, expiresInS: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: 'supabase-demo', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInS)
    .sign(key(secret));
}

export const mintAnonKey = (secret: string) => signJwt(secret, { role: 'anon' }, TEN_YEARS_S);
export const mintServiceRoleKey = (secret: string) => signJwt(secret, { role: 'service_role' }, TEN_YEARS_S);

export function mintUserToken(secret: string, user: { id: string; email: string }, expiresInS = 3600): Promise<string> {
  return signJwt(secret, { sub: user.id, email: user.email, role: 'authenticated', aud: 'authenticated' }, expiresInS);
}

export async function verifyJwt(secret: string, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] });
  return payload;
}
