import { decodeJwt } from 'jose';

/** Never refresh more often than this, even for a token that looks expired on arrival. */
const MIN_DELAY_MS = 1_000;

/**
 * How long after receiving `token` to fetch the next one: a minute before it expires, or half its
 * lifetime for a short-lived one, so the Realtime server (which ends the channel at expiry) always
 * gets the new token in time. The lifetime is the token's own (`exp − iat`, both the server's
 * clock) and the wait runs from receipt: the browser's clock may be minutes off (a skewed clock
 * once made a short token expire before its refresh, and the server closed the channel).
 */
export function refreshDelayMs(token: string): number {
  const { iat, exp } = decodeJwt(token);
  if (typeof exp !== 'number' || typeof iat !== 'number') return MIN_DELAY_MS;
  const lifetimeMs = (exp - iat) * 1000;
  const margin = Math.min(60_000, lifetimeMs / 2);
  return Math.max(MIN_DELAY_MS, lifetimeMs - margin);
}

/**
 * Whether `token`, received at `receivedAt`, is past its refresh point at `now` (both epoch ms of
 * the browser's clock: only their difference counts, so a skewed clock does not matter). Asked when
 * the token is handed out: timers do not count the time a machine sleeps, so a tab that slept past
 * its token's expiry wakes with the refresh timer still pending (realtime-js #274, supabase-js #2613).
 */
export function refreshDue(token: string, receivedAt: number, now: number): boolean {
  return now - receivedAt >= refreshDelayMs(token);
}
