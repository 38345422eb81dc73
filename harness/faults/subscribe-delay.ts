import { CONTROL_PATH } from '../realtime/control.ts';
import { callControl, type ControlTarget } from './control-client.ts';

/**
 * Widens the window between SUBSCRIBED and the postgres_changes ack for one user's sockets, on our
 * Realtime server (harness/realtime/control.ts); a real Supabase has no such control.
 */
export async function setSubscribeDelay(info: ControlTarget, sub: string, ms: number): Promise<void> {
  await callControl(info, 'PUT', CONTROL_PATH, { sub, ms });
}
