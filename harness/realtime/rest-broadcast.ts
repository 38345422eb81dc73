// Broadcast over HTTP, as RealtimeWeb.BroadcastController (the batch, which supabase-js's send()
// falls back to before a channel has joined) and BroadcastSingleController (httpSend) serve it.
import type http from 'node:http';
import { z } from 'zod';
import { checkToken, claimsRole } from './auth.ts';
import { readBody, requestToken } from './http.ts';
import type { Tenant } from './tenant.ts';
import { payloadTooLarge } from './limits.ts';
import { noPolicies } from './policies.ts';
import type { JWTPayload } from 'jose';

export const BROADCAST_PATH = '/realtime/v1/api/broadcast';
const SINGLE = /^\/realtime\/v1\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/;

export type Reply = { status: number; body?: unknown };

const Message = z.object({
  topic: z.string().min(1), event: z.string().min(1), payload: z.record(z.string(), z.unknown()), private: z.boolean().optional(), id: z.string().optional(),
});

/** Ecto's changeset errors as ChangesetView renders them: `{errors: {field: ["…"]}}`. */
function changesetErrors(issues: z.core.$ZodIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const i of issues) {
    const [field, ...rest] = i.path.map(String);
    const msg = i.code === 'invalid_type' && i.input === undefined ? "can't be blank" : 'is invalid';
    if (field === 'messages' && rest.length) {
      const list = (out.messages ??= []) as Record<string, string[]>[];
      const at = Number(rest[0]);
      while (list.length <= at) list.push({});
      (list[at]![rest[1] ?? 'message'] ??= []).push(msg);
    } else {
      ((out[field ?? 'body'] ??= []) as string[]).push(msg);
    }
  }
  return { errors: out };
}

/** A private message needs broadcast write on its topic by the RLS policies of realtime.messages; service_role bypasses them. */
async function mayWrite(tenant: Tenant, topic: string, claims: JWTPayload): Promise<boolean> {
  if (claimsRole(claims) === 'service_role') return true;
  if (!tenant.policies) return false;
  return (await tenant.policies.write({ topic, claims }, ['broadcast'], noPolicies())).broadcast.write === true;
}

/** A request under BROADCAST_PATH; anything but the two POST routes is a 404. */
export async function restBroadcast(req: http.IncomingMessage, tenant: Tenant): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const single = SINGLE.exec(url.pathname);
  if ((url.pathname !== BROADCAST_PATH && !single) || req.method !== 'POST') return { status: 404, body: { message: 'not found' } };
  const token = requestToken(req);
  const check = token ? await checkToken(tenant.jwt, token) : undefined;
  if (!check?.ok) return { status: 401, body: { message: 'Unauthorized' } };
  // A batch may carry several payloads near the limit; anything far beyond is refused unread.
  const body = await readBody(req, tenant.limits.maxPayloadSizeKb * 2000 + 64 * 1024);
  if (body === 'too large') return { status: 413, body: { message: 'Payload Too Large' } };
  const max = tenant.limits.maxEventsPerSecond;

  if (single) {
    const [topic, event] = [decodeURIComponent(single[1]!), decodeURIComponent(single[2]!)];
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type && type !== 'application/json' && type !== 'application/octet-stream') {
      return { status: 415, body: { error: 'Unsupported Media Type. Use application/json or application/octet-stream' } };
    }
    let payload: unknown;
    if (type === 'application/octet-stream') payload = body.length ? body : undefined;
    else {
      try {
        payload = body.length ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        return { status: 400, body: { message: 'Invalid JSON' } };
      }
    }
    if (payload === undefined || payload === null) return { status: 422, body: { errors: { payload: ["can't be blank"] } } };
    if (payloadTooLarge(tenant.limits, payload)) {
      return { status: 422, body: { errors: { payload: ['Payload size exceeds tenant limit'] } } };
    }
    if (tenant.limiter.rate() >= max) return { status: 429, body: { message: 'You have exceeded your rate limit' } };
    const isPrivate = url.searchParams.get('private') === 'true';
    if (isPrivate && !(await mayWrite(tenant, topic, check.claims))) return { status: 403, body: { message: 'Unauthorized' } };
    tenant.broadcast(topic, event, payload, isPrivate);
    return { status: 202 };
  }

  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, body: { message: 'Invalid JSON' } };
  }
  const parsed = z.object({ messages: z.array(Message).min(1) }).safeParse(raw);
  if (!parsed.success) return { status: 422, body: changesetErrors(parsed.error.issues) };
  const { messages } = parsed.data;
  const oversized = messages.findIndex((m) => payloadTooLarge(tenant.limits, m.payload));
  if (oversized >= 0) {
    const list: Record<string, string[]>[] = messages.map(() => ({}));
    list[oversized] = { payload: ['Payload size exceeds tenant limit'] };
    return { status: 422, body: { errors: { messages: list } } };
  }
  const rate = tenant.limiter.rate();
  if (rate > max) return { status: 429, body: { message: 'You have exceeded your rate limit' } };
  if (rate + messages.length > max) return { status: 429, body: { message: 'Too many messages to broadcast, please reduce the batch size' } };
  // A private message without write permission is dropped, not refused, as the real batch does;
  // permission is asked once per topic.
  const writable = new Map<string, Promise<boolean>>();
  for (const m of messages) {
    if (m.private) {
      if (!writable.has(m.topic)) writable.set(m.topic, mayWrite(tenant, m.topic, check.claims));
      if (!(await writable.get(m.topic))) continue;
    }
    tenant.broadcast(m.topic, m.event, m.payload, m.private === true);
  }
  return { status: 202 };
}
