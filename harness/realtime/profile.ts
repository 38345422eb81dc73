// How faithfully the server fails: the one place the profile names live (docs/contract.md §1).

/**
 * - faithful: fails as production does. The change feed starts from now after it restarts (the real
 *   server polls a temporary slot), each channel re-subscribes after a backoff and says so again;
 *   joins need the tenant's database connection (connect.ts); the rate limits are the real
 *   averaged counters, which stop receivers and drop database changes (limiter.ts); a change of the
 *   publication's tables re-creates every subscription.
 * - ideal: nothing is lost. The feed resumes from the confirmed LSN, joins are accepted, the limits
 *   are exact windows that stop only the pusher and drop no change, so a failure can be put down to
 *   the app rather than to a production loss.
 */
export const PROFILES = ['faithful', 'ideal'] as const;
export type Profile = (typeof PROFILES)[number];
export const DEFAULT_PROFILE: Profile = 'faithful';
