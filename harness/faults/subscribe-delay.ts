import type { StackInfo } from '../schema/stack.ts';
import { CONTROL_PATH } from '../realtime/control.ts';

/**
 * Widens the window between SUBSCRIBED and the postgres_changes ack for one user's sockets, on our
 * Realtime server (harness/realtime/control.ts); a real Supabase has no such control.
 */
export async function setSubscribeDelay(info: Pick<StackInfo, 'supabaseUrl' | 'serviceRoleKey'>, sub: string, ms: number): Promise<void> {
  const res = await fetch(`${info.supabaseUrl}${CONTROL_PATH}`, {
    method: 'PUT', headers: { authorization: `Bearer ${info.serviceRoleKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ sub, ms }),
  });
  if (!res.ok) throw new Error(`subscribe delay: HTTP ${res.status} ${await res.text()}`);
}
