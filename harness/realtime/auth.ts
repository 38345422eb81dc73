import { jwtVerify, errors, decodeJwt, decodeProtectedHeader, importJWK, base64url, type JWK, type JWTPayload, type ProtectedHeaderParameters } from 'jose';

/**
 * The Postgres role a token acts as: its `role` claim, whatever it names (checkToken refuses a token
 * without one). The real server stores it as the subscription's `claims_role` and runs RLS checks
 * and channel policies with `set_config('role', …)` of it.
 */
export function claimsRole(claims: JWTPayload): string {
  return String(claims.role);
}

export type TokenCheck = { ok: true; claims: JWTPayload; expiresInMs: number } | { ok: false; code: string; message: string };

/** What the tenant verifies tokens with: the project's JWT secret and, for signing keys, its JWKS. */
export interface JwtKeys { secret: string; jwks?: { keys: JWK[] } }

// The algorithms and key types RealtimeWeb.JwtVerification accepts (Joken signers).
const HS = ['HS256', 'HS384', 'HS512'];
const BY_KTY: Record<string, string[]> = {
  RSA: ['RS256', 'RS384', 'RS512'],
  EC: ['ES256', 'ES384', 'ES512'],
  // RFC 8037 names the signer EdDSA and puts the curve in the key; JOSE also names it after the curve.
  OKP: ['Ed25519', 'Ed448', 'EdDSA'],
};
const ED_CURVES = ['Ed25519', 'Ed448'];

const malformed = { ok: false, code: 'MalformedJWT', message: 'The token provided is not a valid JWT' } as const;
const signerError = (kid?: string) => ({
  ok: false, code: 'JwtSignerError',
  message: `Failed to generate JWT signer${kid === undefined ? '' : ` for key ID (kid) ${JSON.stringify(kid)}`}, check your JWT secret or JWKS configuration`,
}) as const;

type Key = Uint8Array | CryptoKey;

/**
 * The key a token's header asks for, chosen as the real server's generate_signer does: an asymmetric
 * alg needs a `kid` found in the JWKS (else a signer error naming the kid); an HS alg uses the JWKS's
 * `oct` key of that kid if there is one, and the JWT secret otherwise.
 */
async function keyFor(header: ProtectedHeaderParameters, keys: JwtKeys): Promise<{ key: Key } | { error: ReturnType<typeof signerError> }> {
  const { alg = '', kid } = header;
  const jwks = keys.jwks?.keys;
  const kty = Object.keys(BY_KTY).find((k) => BY_KTY[k]!.includes(alg));
  if (kty && typeof kid === 'string' && jwks) {
    const jwk = jwks.find((k) => k.kty === kty && k.kid === kid);
    if (!jwk || (kty === 'OKP' && !ED_CURVES.includes(String(jwk.crv)))) return { error: signerError(kid) };
    try {
      return { key: await importJWK(jwk, alg === 'Ed25519' || alg === 'Ed448' ? 'EdDSA' : alg) as Key };
    } catch {
      return { error: signerError(kid) };
    }
  }
  if (HS.includes(alg)) {
    const oct = typeof kid === 'string' ? jwks?.find((k) => k.kty === 'oct' && k.kid === kid && typeof k.k === 'string') : undefined;
    if (!oct) return { key: new TextEncoder().encode(keys.secret) };
    try {
      return { key: base64url.decode(oct.k!) };
    } catch {
      return { error: signerError(kid) };
    }
  }
  return { error: signerError() };
}

/** Verifies a JWT the way RealtimeWeb.JwtVerification does, worded as the real server words its refusals. */
export async function checkToken(keys: JwtKeys | string, token: unknown): Promise<TokenCheck> {
  const jwt = typeof keys === 'string' ? { secret: keys } : keys;
  if (typeof token !== 'string' || token.split('.').length !== 3) return malformed;
  let header: ProtectedHeaderParameters;
  try {
    decodeJwt(token);
    header = decodeProtectedHeader(token);
  } catch {
    return malformed;
  }
  const signer = await keyFor(header, jwt);
  if ('error' in signer) return signer.error;
  try {
    const algorithms = header.alg === 'Ed25519' || header.alg === 'Ed448' ? [header.alg, 'EdDSA'] : [header.alg!];
    const { payload } = await jwtVerify(token, signer.key, { algorithms, clockTolerance: 0 });
    if (typeof payload.exp !== 'number' || typeof payload.role !== 'string') {
      return { ok: false, code: 'InvalidJWTToken', message: 'Fields `role` and `exp` are required in JWT' };
    }
    return { ok: true, claims: payload, expiresInMs: payload.exp * 1000 - Date.now() };
  } catch (err) {
    if (err instanceof errors.JWTExpired) {
      const exp = Number((err.payload as JWTPayload).exp ?? 0);
      const ago = Math.max(0, Math.floor(Date.now() / 1000) - exp);
      return { ok: false, code: 'InvalidJWTToken', message: `Token has expired ${ago} seconds ago` };
    }
    if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
      return { ok: false, code: 'JwtSignatureError', message: 'Failed to validate JWT signature' };
    }
    return malformed;
  }
}
