import type http from 'node:http';
import { z } from 'zod';
import { checkToken, claimsRole } from './auth.ts';
import { readBody, requestToken } from './http.ts';
import type { Tenant } from './tenant.ts';

/**
 * The harness's own control surface, not part of Supabase Realtime: faults a test sets, so specs
 * that need them can share a server. Only the service role may call it.
 */
const CONTROL_PREFIX = '/syncwright/v1';
export const CONTROL_PATH = `${CONTROL_PREFIX}/subscribe-delay`;
export const FEED_RESTART_PATH = `${CONTROL_PREFIX}/faults/feed-restart`;
export const DB_OUTAGE_PATH = `${CONTROL_PREFIX}/faults/db-outage`;

type Reply = { status: number; body: unknown };

const DelayBody = z.object({ sub: z.string().min(1), ms: z.number().int().min(0).max(60_000) }).strict();
const OutageBody = z.object({ ms: z.number().int().min(1).max(60_000) }).strict();

const UNAUTHORIZED: Reply = { status: 401, body: { code: 'unauthorized', error: 'a service_role JWT is required (Authorization: Bearer)' } };

async function isServiceRole(req: http.IncomingMessage, tenant: Tenant): Promise<boolean> {
  const auth = requestToken(req);
  const check = auth ? await checkToken(tenant.jwt, auth) : undefined;
  return check?.ok === true && claimsRole(check.claims) === 'service_role';
}

/** The JSON body (an empty one reads as `{}`), or the refusal to send. */
async function readJson(req: http.IncomingMessage): Promise<{ value: unknown } | Reply> {
  const raw = await readBody(req, 10_000);
  if (raw === 'too large') return { status: 413, body: { code: 'payload_too_large', error: 'body over 10 kB' } };
  const text = raw.toString('utf8');
  if (text.trim() === '') return { value: {} };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { status: 400, body: { code: 'invalid_json', error: 'the body is not JSON' } };
  }
}

/** Method, service-role auth and JSON body checked in that order, as each endpoint needs. */
async function guarded(req: http.IncomingMessage, tenant: Tenant, method: string, handle: (body: unknown) => Reply): Promise<Reply> {
  if (req.method !== method) return { status: 405, body: { code: 'method_not_allowed', error: `use ${method}` } };
  if (!(await isServiceRole(req, tenant))) return UNAUTHORIZED;
  const body = await readJson(req);
  return 'value' in body ? handle(body.value) : body;
}

const invalid = (expected: string, err: z.ZodError): Reply =>
  ({ status: 400, body: { code: 'invalid_body', error: `expected ${expected}: ${err.issues[0]?.message}` } });

function subscribeDelay(tenant: Tenant, raw: unknown): Reply {
  const body = DelayBody.safeParse(raw);
  if (!body.success) return invalid('{ sub: string, ms: integer 0..60000 }', body.error);
  if (body.data.ms === 0) tenant.subscribeDelays.delete(body.data.sub);
  else tenant.subscribeDelays.set(body.data.sub, body.data.ms);
  return { status: 200, body: { sub: body.data.sub, ms: body.data.ms } };
}

function feedRestart(tenant: Tenant, raw: unknown): Reply {
  const body = z.object({}).strict().safeParse(raw);
  if (!body.success) return invalid('no body, or {}', body.error);
  if (!tenant.engine) return { status: 503, body: { code: 'no_database', error: 'this server has no change feed' } };
  tenant.engine.restartFeed();
  return { status: 200, body: { profile: tenant.profile } };
}

function dbOutage(tenant: Tenant, raw: unknown): Reply {
  const body = OutageBody.safeParse(raw);
  if (!body.success) return invalid('{ ms: integer 1..60000 }', body.error);
  if (!tenant.engine) return { status: 503, body: { code: 'no_database', error: 'this server has no change feed' } };
  tenant.engine.holdFeed(body.data.ms);
  return { status: 200, body: { ms: body.data.ms, profile: tenant.profile } };
}

/** The control endpoints by path: PUT sets a standing fault, POST acts once. */
export const CONTROL_ROUTES: Record<string, (req: http.IncomingMessage, tenant: Tenant) => Promise<Reply>> = {
  [CONTROL_PATH]: (req, tenant) => guarded(req, tenant, 'PUT', (b) => subscribeDelay(tenant, b)),
  [FEED_RESTART_PATH]: (req, tenant) => guarded(req, tenant, 'POST', (b) => feedRestart(tenant, b)),
  [DB_OUTAGE_PATH]: (req, tenant) => guarded(req, tenant, 'POST', (b) => dbOutage(tenant, b)),
};
