import { z } from 'zod';
import { PROFILES } from '../realtime/profile.ts';
import { PROVIDERS } from '../stack/provider.ts';

// Contract section 1: what `syncwright up` writes to .syncwright/stack.json.
export const StackUser = z.object({
  id: z.string().uuid(),
  email: z.string().email(),
  accessToken: z.string(),
});

export const StackInfo = z.object({
  supabaseUrl: z.string().url(),
  anonKey: z.string(),
  serviceRoleKey: z.string(),
  jwtSecret: z.string(),
  dbUrl: z.string(),
  appUrl: z.string().url().optional(),
  users: z.array(StackUser),
  /** The alg the keys and tokens are signed with (`up --jwt-alg`); HS256 when absent (an older file, an external target). */
  jwtAlg: z.string().optional(),
  /** Where the project's public keys are served (empty for HS algs, whose secret is never published). */
  jwksUrl: z.string().url().optional(),
  /** For RS256, ES256, EdDSA: the private JWK (with kid and alg) tools mint user tokens with, as they use jwtSecret for HS. */
  jwtSigningKey: z.object({ kty: z.string(), kid: z.string(), alg: z.string() }).passthrough().optional(),
  /** Opaque API keys: `sb_publishable_…` acts as anonKey, `sb_secret_…` as serviceRoleKey. */
  publishableKey: z.string().optional(),
  secretKey: z.string().optional(),
  /** How faithfully the Realtime server fails (harness/realtime/profile.ts); left out by stacks from before it. */
  realtimeProfile: z.enum(PROFILES).optional(),
  /** What runs Postgres and Realtime (`up --provider`); local when absent (a stack from before it). */
  provider: z.enum(PROVIDERS).optional(),
  /** The testcontainers provider's containers: the images, and ids for `docker logs`. */
  containers: z.object({
    postgres: z.object({ image: z.string(), id: z.string() }),
    realtime: z.object({ image: z.string(), id: z.string(), url: z.string().url() }),
  }).optional(),
  // Additions beyond the contract: pids and ports let faults and teardown act on the parts.
  ports: z.object({ api: z.number(), db: z.number(), app: z.number().optional(), worker: z.number().optional() }).optional(),
  dataDir: z.string().optional(),
  pid: z.number().optional(),
  /** Child processes at boot (a fault restart changes them): `syncwright load` samples the Realtime one. */
  pids: z.object({ realtime: z.number().optional(), app: z.number().optional() }).optional(),
});
export type StackInfo = z.infer<typeof StackInfo>;
export type StackUser = z.infer<typeof StackUser>;
