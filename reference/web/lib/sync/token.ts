/** Never refresh more often than this, even if a clock skew makes every new token look expired. */
const MIN_DELAY_MS = 1_000;

/**
 * How long to wait before fetching the next access token: a minute before it expires, or half its
 * lifetime for a short-lived one, so the Realtime server (which ends the channel at expiry) always
 * gets the new token in time. `receivedAtMs` is when this token was handed to the client.
 */
export function refreshDelayMs(expiresAtS: number, receivedAtMs: number, nowMs = Date.now()): number {
  const expiresAtMs = expiresAtS * 1000;
  const margin = Math.min(60_000, (expiresAtMs - receivedAtMs) / 2);
  return Math.max(MIN_DELAY_MS, expiresAtMs - margin - nowMs);
}
