import type { StackInfo } from '../schema/stack.ts';

/** Where our Realtime server's control surface is and the key it takes (harness/realtime/control.ts: service role only). */
export type ControlTarget = Pick<StackInfo, 'supabaseUrl' | 'serviceRoleKey'>;

/**
 * One call to the control surface, as the service role: its JSON answer, or an error naming the
 * path, the status and the server's reason (and `hint`, what the caller knows of why).
 */
export async function callControl(info: ControlTarget, method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, hint?: string): Promise<unknown> {
  const res = await fetch(`${info.supabaseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${info.serviceRoleKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}${hint ? `; ${hint}` : ''}`);
  return res.json();
}
