import { z } from 'zod';

/**
 * One run's history, Jepsen style: every process (browser clients, server-side writers, the worker,
 * the nemesis, the database's final read) appends to one log. Checkers are pure functions of it.
 *
 * Processes: `c1`, `c2` … browser clients (one browser profile each, whatever account it is signed
 * in as); `writer-N` / `slow-N` server-side database sessions; `worker`; `nemesis`; `db` for the
 * database's final state and mutation ledger.
 *
 * What each `f` carries in `value` (all times ISO with microseconds, as the server sends them):
 * - `login` (ok): `{ user, email }`: the client is signed in as `user` from here on.
 * - `ui` (ok): `{ op, entityId?, name?, path? }`: what the user did through the UI (upload, rename,
 *   delete, retry, reload, navigate, sign-out): intent, before any request.
 * - `create` | `upload` | `rename` | `delete` | `retry`: the browser's API request for one mutation,
 *   as the browser sent and received it. invoke `{ mutationId, entityId, name?, baseUpdatedAt? }`;
 *   ok `{ mutationId, entityId, status, row? }` (2xx, `row` the resulting version); fail
 *   `{ mutationId, entityId, status, code?, current? }` (4xx; 409 carries the server's `current`);
 *   info `{ mutationId, entityId, error }`: the outcome is unknown (no response reached the browser).
 * - `sync`: the client's REST reconcile. invoke `{ since }`; ok `{ since, serverTime, rows, deleted }`.
 * - `receive` (ok): one realtime frame the browser received: `{ doc, socket, topic, event, payload, ref, joinRef }`, and for
 *   `postgres_changes` also `{ table, type, id, row?, commitTimestamp }` or `{ event: 'system' | 'phx_reply' | 'phx_error' | 'phx_close', status?, message? }`.
 * - `send` (ok): one realtime frame the browser sent: `{ doc, socket, topic, event, payload, ref, joinRef }`;
 *   `socket` numbers the client's sockets in the order they opened.
 *   `doc` is the document whose socket it was. A document shows the rows of the user of the last
 *   `login` before its `document` observation.
 * - `observe` (ok): one DOM observation of the latency probe: `{ doc, path, testid, event, id,
 *   updatedAt, status, name }`; `testid` `document` starts a new document (navigation, reload).
 * - `write`: a server-side write. invoke `{ op, entityId, user, name?, status? }`; ok `{ op, entityId,
 *   user, row }` (`row` null after a delete); info when its outcome is unknown.
 * - `fault` (info): `{ kind, phase: 'start' | 'end', client?, link? }`; no client = every client;
 *   `link` `app` | `realtime`: the one connection of the client a network fault shapes.
 * - `final-read` (ok): `{ entities, user? }`: after heal and quiescence, what a client shows, or
 *   (process `db`) every row of the run's users.
 * - `ledger` (ok): `{ entries: LedgerEntry[] }`: the server's mutation ledger in apply order.
 */
export const HistoryF = z.enum([
  'login', 'ui', 'create', 'upload', 'rename', 'delete', 'retry', 'sync', 'receive', 'send', 'observe', 'write', 'fault',
  'final-read', 'ledger',
]);
export type HistoryF = z.infer<typeof HistoryF>;

export const HistoryEntry = z.object({
  index: z.number().int().nonnegative(),
  /** ms since the run started (monotonic). */
  time: z.number(),
  wall: z.string(),
  process: z.string(),
  type: z.enum(['invoke', 'ok', 'fail', 'info']),
  f: HistoryF,
  value: z.record(z.string(), z.unknown()),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** The mutation kinds a client sends; each is idempotent on its mutationId. */
export const MUTATION_KINDS = ['create', 'upload', 'rename', 'delete', 'retry'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** One version of an audio file as the server stamped it. */
export const RowVersion = z.object({
  id: z.string(), userId: z.string().optional(), name: z.string(), status: z.string(), updatedAt: z.string(),
});
export type RowVersion = z.infer<typeof RowVersion>;

export const LedgerEntry = z.object({
  mutationId: z.string(), kind: z.string(), entityId: z.string(), statusCode: z.number(), userId: z.string(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const Anomaly = z.object({ kind: z.string(), detail: z.string(), entries: z.array(z.number()) });
export type Anomaly = z.infer<typeof Anomaly>;
export const Verdict = z.object({ name: z.string(), valid: z.union([z.boolean(), z.literal('unknown')]), anomalies: z.array(Anomaly) });
export type Verdict = z.infer<typeof Verdict>;

/** What a final read shows per entity. */
export const EntityState = z.object({ id: z.string(), name: z.string(), status: z.string(), updatedAt: z.string(), userId: z.string().optional() });
export type EntityState = z.infer<typeof EntityState>;
