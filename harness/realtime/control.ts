import type http from 'node:http';
import { z } from 'zod';
import { checkToken, claimsRole } from './auth.ts';
import pg from 'pg';
import { readBody, requestToken } from './http.ts';
import type { Tenant } from './tenant.ts';
import { TRIPPABLE, type Trippable } from './limiter.ts';

/**
 * The harness's own control surface, not part of Supabase Realtime: faults a test sets, so specs
 * that need them can share a server. Only the service role may call it.
 */
const CONTROL_PREFIX = '/syncwright/v1';
export const CONTROL_PATH = `${CONTROL_PREFIX}/subscribe-delay`;
export const FEED_RESTART_PATH = `${CONTROL_PREFIX}/faults/feed-restart`;
export const DB_OUTAGE_PATH = `${CONTROL_PREFIX}/faults/db-outage`;
export const PUBLICATION_CHANGE_PATH = `${CONTROL_PREFIX}/faults/publication-change`;
export const LIMIT_TRIP_PATH = `${CONTROL_PREFIX}/faults/limit-trip`;
export const METRICS_PATH = `${CONTROL_PREFIX}/metrics`;

type Reply = { status: number; body: unknown };
type Handler = (body: unknown) => Reply | Promise<Reply>;

const DelayBody = z.object({ sub: z.string().min(1), ms: z.number().int().min(0).max(60_000) }).strict();
const OutageBody = z.object({ ms: z.number().int().min(1).max(60_000), slow: z.boolean().optional(), dropConnection: z.boolean().optional() }).strict();
const TABLE = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/, 'a table as schema.table');
const PublicationBody = z.union([z.object({ add: TABLE }).strict(), z.object({ drop: TABLE }).strict(), z.object({}).strict()]);
const TripBody = z.object({ ms: z.number().int().min(1).max(60_000), limit: z.enum(TRIPPABLE).optional() }).strict();

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
async function guarded(req: http.IncomingMessage, tenant: Tenant, method: string, handle: Handler): Promise<Reply> {
  if (req.method !== method) return { status: 405, body: { code: 'method_not_allowed', error: `use ${method}` } };
  if (!(await isServiceRole(req, tenant))) return UNAUTHORIZED;
  const body = await readJson(req);
  return 'value' in body ? await handle(body.value) : body;
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
  if (!body.success) return invalid('{ ms: integer 1..60000, slow?: boolean, dropConnection?: boolean }', body.error);
  if (!tenant.engine) return { status: 503, body: { code: 'no_database', error: 'this server has no change feed' } };
  const { ms, slow = false, dropConnection = false } = body.data;
  tenant.engine.holdFeed(ms, slow);
  if (dropConnection) tenant.connection?.drop();
  return { status: 200, body: { ms, slow, dropConnection, profile: tenant.profile } };
}

/** Postgres's refusals of an ALTER PUBLICATION, as the caller's mistake. */
const ALTER_REFUSALS: Record<string, { status: number; code: string }> = {
  '42P01': { status: 404, code: 'unknown_table' },
  '3F000': { status: 404, code: 'unknown_table' },
  '42710': { status: 409, code: 'already_in_publication' },
  '42704': { status: 409, code: 'not_in_publication' },
};

async function publicationChange(tenant: Tenant, raw: unknown): Promise<Reply> {
  const body = PublicationBody.safeParse(raw);
  if (!body.success) return invalid('{ add: "schema.table" }, { drop: "schema.table" }, or {} to simulate a change', body.error);
  if (!tenant.engine) return { status: 503, body: { code: 'no_database', error: 'this server has no change feed' } };
  const op = 'add' in body.data ? 'add' : 'drop' in body.data ? 'drop' : undefined;
  if (op) {
    const [schema, table] = (body.data as Record<string, string>)[op]!.split('.') as [string, string];
    try {
      await tenant.engine.alterPublication(op, schema, table);
    } catch (err) {
      const known = err instanceof pg.DatabaseError ? ALTER_REFUSALS[err.code ?? ''] : undefined;
      if (!known) throw err;
      return { status: known.status, body: { code: known.code, error: err instanceof Error ? err.message : String(err) } };
    }
  }
  // The real server notices within a minute; the fault has it look now.
  const { changed, tables } = await tenant.checkPublication(!op);
  return { status: 200, body: { tables, recreated: changed, profile: tenant.profile } };
}

function limitTrip(tenant: Tenant, raw: unknown): Reply {
  const body = TripBody.safeParse(raw);
  if (!body.success) return invalid(`{ ms: integer 1..60000, limit?: ${TRIPPABLE.join(' | ')} }`, body.error);
  // Without a name, max_events_per_second's two counters: channel messages and database events.
  const which: readonly Trippable[] = body.data.limit ? [body.data.limit] : ['events', 'db_events'];
  tenant.limiter.trip(which, body.data.ms);
  return { status: 200, body: { ms: body.data.ms, limits: which, profile: tenant.profile } };
}

function metrics(tenant: Tenant, raw: unknown): Reply {
  const body = z.object({}).strict().safeParse(raw);
  if (!body.success) return invalid('no body', body.error);
  return { status: 200, body: { ...tenant.limiter.metrics(), limits: tenant.limits, connection: tenant.connection?.status ?? null } };
}

/** The control endpoints by path: PUT sets a standing fault, POST acts once, GET reads. */
export const CONTROL_ROUTES: Record<string, (req: http.IncomingMessage, tenant: Tenant) => Promise<Reply>> = {
  [CONTROL_PATH]: (req, tenant) => guarded(req, tenant, 'PUT', (b) => subscribeDelay(tenant, b)),
  [FEED_RESTART_PATH]: (req, tenant) => guarded(req, tenant, 'POST', (b) => feedRestart(tenant, b)),
  [DB_OUTAGE_PATH]: (req, tenant) => guarded(req, tenant, 'POST', (b) => dbOutage(tenant, b)),
  [PUBLICATION_CHANGE_PATH]: (req, tenant) => guarded(req, tenant, 'POST', (b) => publicationChange(tenant, b)),
  [LIMIT_TRIP_PATH]: (req, tenant) => guarded(req, tenant, 'POST', (b) => limitTrip(tenant, b)),
  [METRICS_PATH]: (req, tenant) => guarded(req, tenant, 'GET', (b) => metrics(tenant, b)),
};
