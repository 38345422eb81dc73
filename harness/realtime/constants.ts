// Phoenix and Supabase Realtime protocol names, in one place (as realtime-js keeps them). The k6
// scripts import this file too, so it imports nothing.
export const VSN_1 = '1.0.0';
export const VSN_2 = '2.0.0';
export type Vsn = typeof VSN_1 | typeof VSN_2;

export const EVENTS = {
  join: 'phx_join',
  leave: 'phx_leave',
  reply: 'phx_reply',
  close: 'phx_close',
  error: 'phx_error',
  heartbeat: 'heartbeat',
  accessToken: 'access_token',
  broadcast: 'broadcast',
  presence: 'presence',
  presenceState: 'presence_state',
  presenceDiff: 'presence_diff',
  postgresChanges: 'postgres_changes',
  system: 'system',
} as const;

export const PHOENIX_TOPIC = 'phoenix';
/** Where supabase-js opens its socket: `${supabaseUrl}/realtime/v1/websocket`. */
export const SOCKET_PATH = '/realtime/v1/websocket';
export const TOPIC_PREFIX = 'realtime:';

export const BINARY_KIND = { userBroadcastPush: 3, userBroadcast: 4 } as const;
export const ENCODING = { binary: 0, json: 1 } as const;
