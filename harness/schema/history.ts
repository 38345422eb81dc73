import { z } from 'zod';

/** One recorded operation, Jepsen style: an invoke and its completion (ok / fail / info = unknown). */
export const HistoryEntry = z.object({
  index: z.number().int().nonnegative(),
  /** ms since the run started (monotonic). */
  time: z.number(),
  wall: z.string(),
  /** 'c1', 'c2' … a browser client; 'nemesis' for faults; 'db' for the database's final state. */
  process: z.string(),
  type: z.enum(['invoke', 'ok', 'fail', 'info']),
  f: z.enum(['create', 'upload', 'rename', 'delete', 'retry', 'receive', 'observe', 'notify', 'fault', 'final-read', 'ledger']),
  value: z.record(z.string(), z.unknown()),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const Anomaly = z.object({ kind: z.string(), detail: z.string(), entries: z.array(z.number()) });
export const Verdict = z.object({ name: z.string(), valid: z.union([z.boolean(), z.literal('unknown')]), anomalies: z.array(Anomaly) });
export type Verdict = z.infer<typeof Verdict>;

/** What a final read shows per entity. */
export const EntityState = z.object({ id: z.string(), name: z.string(), status: z.string(), updatedAt: z.string() });
export type EntityState = z.infer<typeof EntityState>;
