import type http from 'node:http';
import { z } from 'zod';
import { checkToken, claimsRole } from './auth.ts';
import { readBody, requestToken } from './http.ts';
import type { Tenant } from './tenant.ts';

/**
 * The harness's own control surface, not part of Supabase Realtime: faults a test sets on one user's
 * sockets, so specs that need them can share a server. Only the service role may call it.
 */
export const CONTROL_PATH = '/syncwright/v1/subscribe-delay';

const Body = z.object({ sub: z.string().min(1), ms: z.number().int().min(0).max(60_000) }).strict();

type Reply = { status: number; body: unknown };

export async function subscribeDelayControl(req: http.IncomingMessage, tenant: Tenant): Promise<Reply> {
  if (req.method !== 'PUT') return { status: 405, body: { code: 'method_not_allowed', error: 'use PUT' } };
  const auth = requestToken(req);
  const check = auth ? await checkToken(tenant.jwt, auth) : undefined;
  if (!check?.ok || claimsRole(check.claims) !== 'service_role') {
    return { status: 401, body: { code: 'unauthorized', error: 'a service_role JWT is required (Authorization: Bearer)' } };
  }
  const raw = await readBody(req, 10_000);
  if (raw === 'too large') return { status: 413, body: { code: 'payload_too_large', error: 'body over 10 kB' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { status: 400, body: { code: 'invalid_json', error: 'the body is not JSON' } };
  }
  const body = Body.safeParse(parsed);
  if (!body.success) return { status: 400, body: { code: 'invalid_body', error: `expected { sub: string, ms: integer 0..60000 }: ${body.error.issues[0]?.message}` } };
  if (body.data.ms === 0) tenant.subscribeDelays.delete(body.data.sub);
  else tenant.subscribeDelays.set(body.data.sub, body.data.ms);
  return { status: 200, body: { sub: body.data.sub, ms: body.data.ms } };
}
