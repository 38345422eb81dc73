import { z } from 'zod';
import { PROFILES } from '../realtime/profile.ts';

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
  /** How faithfully the Realtime server fails (harness/realtime/profile.ts); left out by stacks from before it. */
  realtimeProfile: z.enum(PROFILES).optional(),
  // Additions beyond the contract: pids and ports let faults and teardown act on the parts.
  ports: z.object({ api: z.number(), db: z.number(), app: z.number().optional(), worker: z.number().optional() }).optional(),
  dataDir: z.string().optional(),
  pid: z.number().optional(),
  /** Child processes at boot (a fault restart changes them): `syncwright load` samples the Realtime one. */
  pids: z.object({ realtime: z.number().optional(), app: z.number().optional() }).optional(),
});
export type StackInfo = z.infer<typeof StackInfo>;
export type StackUser = z.infer<typeof StackUser>;
