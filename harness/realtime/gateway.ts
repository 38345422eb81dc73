// What the Supabase API gateway does in front of Realtime, which this server stands in for too
// because the stack's Supabase URL is this server. None of it is the real Realtime server's:
//
// - Opaque API keys (`sb_publishable_…`, `sb_secret_…`) are not JWTs and Realtime cannot verify
//   them. The gateway swaps a known one for a JWT of its role (anon, service_role) before the
//   request reaches Realtime: on the socket it sets `x-api-key` (which Realtime reads before the
//   `apikey` parameter) and rewrites `apikey`; on HTTP it sets `Authorization: Bearer <jwt>` unless
//   the request already carries a bearer that is not an `sb_` key (a user's session). This is the
//   self-hosted Kong's request-transformer (supabase/supabase docker/volumes/api/kong.yml and
//   kong-entrypoint.sh, LUA_RT_WS_EXPR and LUA_AUTH_EXPR).
// - An unknown key is passed on unchanged, so Realtime refuses it as any non-JWT. The real gateway's
//   key-auth refuses unknown keys first, with its own 401; we do not, so that tests can still hand
//   Realtime raw, expired or forged JWTs.
// - Supabase Auth's public keys at /auth/v1/.well-known/jwks.json.
import type http from 'node:http';
import type { JWK } from 'jose';
import { JWKS_PATH } from '../stack/signing.ts';

/** Opaque API key → the JWT the gateway forwards in its place. */
export type ApiKeys = Record<string, string>;

// The members of a JWK that are private (RFC 7518 section 6): never served.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The JWKS as Supabase Auth publishes it: asymmetric public keys only (an `oct` key is a shared secret). */
export function publicJwks(jwks: { keys: JWK[] } | undefined): { keys: JWK[] } {
  const keys = (jwks?.keys ?? []).filter((k) => k.kty !== 'oct').map((k) => Object.fromEntries(
    Object.entries(k).filter(([name]) => !PRIVATE_MEMBERS.includes(name)),
  ) as JWK);
  return { keys };
}

/** Serves the JWKS route; false when `url` is not it. */
export function serveJwks(url: URL, res: http.ServerResponse, jwks: { keys: JWK[] } | undefined): boolean {
  if (url.pathname !== JWKS_PATH) return false;
  res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
  res.end(JSON.stringify(publicJwks(jwks)));
  return true;
}

/** The gateway's rewrite of a WebSocket upgrade: a known `apikey` becomes its JWT in `x-api-key` and in `apikey`. */
export function gatewaySocket(req: http.IncomingMessage, url: URL, apiKeys: ApiKeys): void {
  const key = url.searchParams.get('apikey');
  const jwt = key === null ? undefined : apiKeys[key];
  if (jwt === undefined) return;
  // Kong's request-transformer `add` leaves a header the client set itself.
  req.headers['x-api-key'] ??= jwt;
  url.searchParams.set('apikey', jwt);
  req.url = `${url.pathname}?${url.searchParams}`;
}

/** The gateway's rewrite of an HTTP request: a known `apikey` becomes `Authorization: Bearer <jwt>` unless a non-`sb_` bearer is there. */
export function gatewayHttp(req: http.IncomingMessage, apiKeys: ApiKeys): void {
  const auth = req.headers.authorization;
  if (auth && !auth.startsWith('Bearer sb_')) return;
  const key = req.headers.apikey;
  const jwt = typeof key === 'string' ? apiKeys[key] : undefined;
  if (jwt !== undefined) req.headers.authorization = `Bearer ${jwt}`;
}
