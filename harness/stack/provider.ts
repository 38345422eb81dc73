// What runs the stack's Postgres and Realtime server (`syncwright up --provider`): the one place the
// provider names live (docs/contract.md section 1).

/**
 * - local: embedded Postgres 17 and our own Realtime server, as processes on this machine.
 * - testcontainers: Supabase's own Postgres image and the real supabase/realtime server in Docker
 *   (harness/stack/containers/), so the same scenarios check our server against the real one.
 * The reference app and worker run on this machine with either.
 */
export const PROVIDERS = ['local', 'testcontainers'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const DEFAULT_PROVIDER: Provider = 'local';
