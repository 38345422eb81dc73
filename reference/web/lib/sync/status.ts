import type { ConnectionState } from './types.ts';

export interface StatusInputs {
  /** navigator.onLine */
  online: boolean;
  /** The realtime socket's own state (realtime-js connectionState()). */
  socket: string;
  /** Socket open, channel joined, the postgres_changes ack received and the reconcile fetch done. */
  up: boolean;
  /** The planted bug `fake-connected`. */
  fakeConnected?: boolean;
}

/** The connection indicator: connected only once changes flow; connecting while a socket is on its way. */
export function connectionState(i: StatusInputs): ConnectionState {
  if (i.fakeConnected) return 'connected';
  if (!i.online) return 'offline';
  if (i.up) return 'connected';
  if (i.socket === 'connecting' || i.socket === 'open') return 'connecting';
  return 'offline';
}
