import { jwtVerify, errors, decodeJwt, type JWTPayload } from 'jose';

export type TokenCheck = { ok: true; claims: JWTPayload; expiresInMs: number } | { ok: false; code: string; message: string };

/** Verifies an HS256 JWT the way the real server words its refusals. */
export async function checkToken(secret: string, token: unknown): Promise<TokenCheck> {
  if (typeof token !== 'string' || token.split('.').length !== 3) {
    return { ok: false, code: 'MalformedJWT', message: 'The token provided is not a valid JWT' };
  }
  try {
    decodeJwt(token);
  } catch {
    return { ok: false, code: 'MalformedJWT', message: 'The token provided is not a valid JWT' };
  }
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], clockTolerance: 0 });
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
    if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JOSEAlgNotAllowed) {
      return { ok: false, code: 'JwtSignatureError', message: 'Failed to validate JWT signature' };
    }
    return { ok: false, code: 'MalformedJWT', message: 'The token provided is not a valid JWT' };
  }
}
