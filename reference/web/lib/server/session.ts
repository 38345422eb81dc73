import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';
import { cookies } from 'next/headers';
import { serverConfig } from './config.ts';
import { parsePlantedBug, type PlantedBug } from '../../../planted.ts';

import { SESSION_COOKIE } from '../sync/types.ts';
export { SESSION_COOKIE };
export const REALTIME_URL_COOKIE = 'sw_supabase_url';
export const PLANTED_COOKIE = 'sw_planted';
export const TOKEN_TTL_COOKIE = 'sw_token_ttl';
export const TOKEN_DELAY_COOKIE = 'sw_token_delay';
export const STRICT_MODE_COOKIE = 'sw_strict_mode';
/** The most `/dev/login?tokenDelay=` may hold each access-token call, in ms. */
export const MAX_TOKEN_DELAY_MS = 30_000;

export interface Session { userId: string; email: string; token: string; exp: number }

// The session cookie is the app's own, read back only by the app: always HS256 with the secret.
const key = () => new TextEncoder().encode(serverConfig().jwtSecret);

let signing: Promise<{ alg: string; kid?: string; key: CryptoKey | Uint8Array }> | undefined;

/** What access tokens are signed with: the project's private key when it has one, else the JWT secret. */
function accessTokenSigner() {
  signing ??= (async () => {
    const { signingJwk, jwtAlg } = serverConfig();
    if (!signingJwk) return { alg: jwtAlg, key: key() };
    const jwk = JSON.parse(signingJwk) as JWK;
    return { alg: jwk.alg!, kid: jwk.kid, key: await importJWK(jwk, jwk.alg) as CryptoKey };
  })();
  return signing;
}

/** A Supabase-shaped access token: role authenticated, sub = user id, signed as Supabase Auth signs them for the project. */
export async function mintToken(userId: string, email: string, ttlS = serverConfig().accessTokenTtlS): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { alg, kid, key: k } = await accessTokenSigner();
  return new SignJWT({ sub: userId, email, role: 'authenticated', aud: 'authenticated' })
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) }).setIssuedAt(now).setExpirationTime(now + ttlS).sign(k);
}

/** The session cookie holds the user's identity (signed); each page gets a fresh access token from it. */
export async function readSession(): Promise<Session | undefined> {
  const jar = await cookies();
  const raw = jar.get(SESSION_COOKIE)?.value;
  if (!raw) return undefined;
  try {
    const { payload } = await jwtVerify(raw, key(), { algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string') return undefined;
    const email = String(payload.email ?? '');
    const ttl = (await tokenTtlOverride()) ?? serverConfig().accessTokenTtlS;
    const token = await mintToken(payload.sub, email, ttl);
    return { userId: payload.sub, email, token, exp: Math.floor(Date.now() / 1000) + ttl };
  } catch {
    return undefined;
  }
}

/** Access-token lifetime for this browser alone (dev login only), so a spec can expire tokens without its own stack. */
async function tokenTtlOverride(): Promise<number | undefined> {
  const v = Number((await cookies()).get(TOKEN_TTL_COOKIE)?.value);
  return serverConfig().devLogin && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** A planted bug for this browser alone (dev login only), so one stack can serve the whole matrix. */
async function plantedOverride(): Promise<PlantedBug | undefined> {
  const v = (await cookies()).get(PLANTED_COOKIE)?.value;
  return v && serverConfig().devLogin ? parsePlantedBug(v) : undefined;
}

/** The planted bug this request runs with: the browser's own, else the stack's `SYNC_PLANTED`. */
export async function activePlantedBug(): Promise<PlantedBug | undefined> {
  return (await plantedOverride()) ?? serverConfig().planted;
}

/**
 * How long this browser's accessToken callback takes, in ms (dev login only): a slow token source
 * (a session refresh over a slow link), under which supabase-js joins before the token is there
 * unless the app waits for it (supabase-js #2655).
 */
export async function tokenDelayOverride(): Promise<number | undefined> {
  const v = Number((await cookies()).get(TOKEN_DELAY_COOKIE)?.value);
  return serverConfig().devLogin && Number.isInteger(v) && v > 0 && v <= MAX_TOKEN_DELAY_MS ? v : undefined;
}

/**
 * Whether this browser's sync effects run as React StrictMode runs them in development (dev login
 * only): set up, cleaned up and set up again at once. A production build never does, so the app's
 * cleanup is otherwise never tried against a setup still under way (realtime-js #169).
 */
export async function strictModeOverride(): Promise<boolean> {
  return serverConfig().devLogin && (await cookies()).get(STRICT_MODE_COOKIE)?.value === '1';
}

export async function realtimeUrlOverride(): Promise<string | undefined> {
  return (await cookies()).get(REALTIME_URL_COOKIE)?.value;
}
