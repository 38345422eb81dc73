import fc from 'fast-check';
import { createHash } from 'node:crypto';

/**
 * The random workload's operations, as plain data: a seeded run, a shrunk counterexample and a
 * generated regression spec are all lists of these. `c` is a client (0–3: two profiles of user 0,
 * one of user 1, and one profile that switches accounts), `u` a user (0–1), `file` a slot in that
 * user's list of files (seeded, inserted on the server or uploaded), wrapped to its length.
 */
export type Op =
  // Client operations, through the UI only.
  | { op: 'list'; c: number }
  | { op: 'open'; c: number; file: number }
  | { op: 'reload'; c: number }
  | { op: 'away'; c: number }
  | { op: 'upload'; c: number; name: string }
  | { op: 'rename'; c: number; name: string }
  | { op: 'delete'; c: number }
  | { op: 'switchUser'; c: number }
  // Nemesis, per client.
  | { op: 'cut'; c: number }
  /** `to`: which of the client's links is slow: both, only the app (REST sync, mutations) or only Realtime. */
  | { op: 'latency'; c: number; ms: number; to: LatencyTarget }
  | { op: 'stall'; c: number }
  | { op: 'heal'; c: number }
  | { op: 'freeze'; c: number; ms: number }
  /** Each sync answer reaches the browser `ms` after the server sent it (0 ends it). */
  | { op: 'slowSync'; c: number; ms: number }
  | { op: 'skewClock'; c: number; minutes: number }
  | { op: 'shortToken'; c: number; seconds: number }
  | { op: 'subscribeDelay'; u: number; ms: number }
  /** The machine sleeps `ms`: the page's timers stop while the wall clock runs on (Playwright's clock). */
  | { op: 'sleep'; c: number; ms: number }
  /** Signs the profile in again with an accessToken callback that takes `ms` (supabase-js #2655). */
  | { op: 'slowToken'; c: number; ms: number }
  /** Signs the profile in again with its sync effect set up, cleaned up and set up again (React StrictMode). */
  | { op: 'strictMode'; c: number }
  /** The user switches to another tab for `ms` and back (hidden, frozen, shown). */
  | { op: 'switchAway'; c: number; ms: number }
  /**
   * A flaky network: the client's socket drops and comes straight back, and for `ms` its sync
   * requests are answered 503, so the reconnect meets a failed reconcile fetch.
   */
  | { op: 'blip'; c: number; ms: number }
  // Server-side writers.
  | { op: 'serverRename'; u: number; file: number; name: string }
  | { op: 'serverInsert'; u: number; name: string }
  | { op: 'serverDelete'; u: number; file: number }
  | { op: 'slowBegin'; u: number; file: number; name: string }
  | { op: 'slowCommit' }
  // Process faults: only where the run has a stack of its own.
  | { op: 'restartRealtime' }
  | { op: 'restartPostgres' }
  /** Realtime's change feed restarts: under the faithful profile the commits of its gap are lost. */
  | { op: 'feedRestart' }
  /** The database is unreachable to Realtime for `ms`: joins are refused meanwhile. */
  | { op: 'dbOutage'; ms: number }
  /** max_events_per_second trips for `ms`: database changes are dropped silently meanwhile. */
  | { op: 'limitTrip'; ms: number }
  /** The publication's table set changes: every subscription is made again. */
  | { op: 'publicationChange' }
  | { op: 'pause'; ms: number };

export type OpName = Op['op'];
export const LATENCY_TARGETS = ['both', 'app', 'realtime'] as const;
export type LatencyTarget = typeof LATENCY_TARGETS[number];
export const DEFAULT_CLIENTS = 4;
export const SEEDED_FILES = 2;

/** The profile that signs out and in as the other user: the last one. */
export const switchingClient = (clients: number) => clients - 1;

/** Who each profile starts as: the first half (at least two) user 0, the rest user 1; the switching one starts as user 1. */
export function startingUser(c: number, clients: number): number {
  return c < Math.max(2, Math.ceil((clients - 1) / 2)) ? 0 : 1;
}

/** What the generator knows of a run, to offer only operations that make sense now. */
export interface Model {
  /** `away`: the tab was closed (the page shows nothing of the app) until the user opens it again. */
  clients: { user: number; page: 'list' | 'detail' | 'away'; file: number; shaped: 'none' | 'cut' | 'stall' | 'latency' }[];
  /** Per user, how many file slots exist (seeded + inserted + uploaded). */
  files: number[];
  slowOpen: boolean;
  processFaults: boolean;
}

export interface WorkloadShape { clients: number; processFaults: boolean }

export function initialModel(shape: WorkloadShape): Model {
  return {
    clients: Array.from({ length: shape.clients }, (_, c) => ({ user: startingUser(c, shape.clients), page: 'list' as const, file: 0, shaped: 'none' as const })),
    files: [SEEDED_FILES, SEEDED_FILES], slowOpen: false, processFaults: shape.processFaults,
  };
}

/** Navigation needs the app server: a cut or stalled client cannot leave its page. */
const reachable = (m: Model, c: number) => m.clients[c]!.shaped === 'none' || m.clients[c]!.shaped === 'latency';

export function allowed(m: Model, o: Op): boolean {
  const cl = 'c' in o ? m.clients[o.c] : undefined;
  switch (o.op) {
    case 'list': case 'open': case 'shortToken': case 'slowToken': case 'strictMode': return reachable(m, o.c);
    // Sleeping first loads the page again with Playwright's clock (AppClient.sleep).
    case 'sleep': return reachable(m, o.c) && cl!.page !== 'away';
    case 'switchAway': return cl!.page !== 'away';
    case 'reload': return reachable(m, o.c) && cl!.page !== 'away';
    case 'away': return cl!.page !== 'away';
    case 'upload': return cl!.page === 'list';
    case 'rename': return cl!.page === 'detail';
    case 'delete': return cl!.page === 'detail' && reachable(m, o.c);
    case 'switchUser': return o.c === switchingClient(m.clients.length) && reachable(m, o.c);
    // A blip heals the socket it dropped: only on a link nothing else shapes.
    case 'cut': case 'stall': case 'latency': case 'blip': return cl!.shaped === 'none';
    case 'heal': return cl!.shaped !== 'none';
    case 'slowBegin': return !m.slowOpen;
    case 'slowCommit': return m.slowOpen;
    case 'restartRealtime': case 'restartPostgres': case 'feedRestart': case 'dbOutage': case 'limitTrip': case 'publicationChange':
      return m.processFaults;
    default: return true;
  }
}

/** The model after `o` ran. */
export function apply(m: Model, o: Op): void {
  const cl = 'c' in o ? m.clients[o.c]! : undefined;
  switch (o.op) {
    case 'list': case 'delete': case 'shortToken': case 'slowToken': case 'strictMode': cl!.page = 'list'; break;
    case 'away': cl!.page = 'away'; break;
    case 'open': cl!.page = 'detail'; cl!.file = o.file; break;
    case 'upload': m.files[m.clients[o.c]!.user]!++; break;
    case 'serverInsert': m.files[o.u]!++; break;
    case 'switchUser': cl!.user = 1 - cl!.user; cl!.page = 'list'; break;
    case 'cut': cl!.shaped = 'cut'; break;
    case 'stall': cl!.shaped = 'stall'; break;
    case 'latency': cl!.shaped = 'latency'; break;
    case 'heal': cl!.shaped = 'none'; break;
    case 'slowBegin': m.slowOpen = true; break;
    case 'slowCommit': m.slowOpen = false; break;
    default: break;
  }
}

const user = fc.nat(1);
/** File slots an operation picks from (World.fileId maps them onto files). */
export const MAX_SLOT = 5;
const slot = fc.nat(MAX_SLOT);
const name = fc.nat(9999).map((n) => `f${n}.wav`);

/**
 * Every operation's generator, weighted: renames on the open page dominate (the cheap client step),
 * navigation, faults and server writes are frequent enough to overlap them.
 */
export function opArbitraries(clients: number, processFaults = false): { weight: number; arbitrary: fc.Arbitrary<Op> }[] {
  const client = fc.nat(clients - 1);
  return [
    { weight: 6, arbitrary: fc.record({ op: fc.constant('open' as const), c: client, file: slot }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('list' as const), c: client }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('reload' as const), c: client }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('away' as const), c: client }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('upload' as const), c: client, name }) },
    { weight: 30, arbitrary: fc.record({ op: fc.constant('rename' as const), c: client, name }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), c: client }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('switchUser' as const), c: fc.constant(switchingClient(clients)) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('cut' as const), c: client }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('stall' as const), c: client }) },
    // One link slow and the other not opens the window where a sync answer and a realtime change of
    // the same row cross (a sync's snapshot older than what realtime brought while it travelled).
    { weight: 2, arbitrary: fc.record({ op: fc.constant('latency' as const), c: client, ms: fc.integer({ min: 50, max: 1_200 }), to: fc.constantFrom(...LATENCY_TARGETS) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('heal' as const), c: client }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('slowSync' as const), c: client, ms: fc.constantFrom(0, 1_000, 2_000, 3_000) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('freeze' as const), c: client, ms: fc.integer({ min: 300, max: 2_000 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('skewClock' as const), c: client, minutes: fc.oneof(fc.integer({ min: -10, max: -2 }), fc.integer({ min: 2, max: 10 })) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('shortToken' as const), c: client, seconds: fc.integer({ min: 3, max: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('subscribeDelay' as const), u: user, ms: fc.constantFrom(0, 1_000, 2_500) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('serverRename' as const), u: user, file: slot, name }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('serverInsert' as const), u: user, name }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('serverDelete' as const), u: user, file: slot }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('slowBegin' as const), u: user, file: slot, name }) },
    { weight: 1, arbitrary: fc.constant({ op: 'slowCommit' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'restartRealtime' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'restartPostgres' as const }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('pause' as const), ms: fc.integer({ min: 100, max: 800 }) }) },
    // Realtime's own failures act on the whole server, so only where the run has a stack of its own;
    // offered only then, so the runs of seeds kept without them (the planted-bug matrix's) stay the same.
    ...(processFaults ? [
      { weight: 1, arbitrary: fc.constant({ op: 'feedRestart' as const }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('dbOutage' as const), ms: fc.integer({ min: 1_000, max: 8_000 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('limitTrip' as const), ms: fc.integer({ min: 1_000, max: 5_000 }) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'publicationChange' as const }) },
      // The field failures of the Supabase issues (docs/realtime-fidelity.md), per client. Offered
      // here too, with the process faults, so the kept seeds' runs stay the same.
      { weight: 1, arbitrary: fc.record({ op: fc.constant('sleep' as const), c: client, ms: fc.integer({ min: 1_000, max: 12_000 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('slowToken' as const), c: client, ms: fc.integer({ min: 300, max: 3_000 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('switchAway' as const), c: client, ms: fc.integer({ min: 300, max: 3_000 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('strictMode' as const), c: client }) },
      // At most 5 s: the client's retries (1, 2, 5 s apart) then land within stale-while-connected's
      // bound after the window, which is for lost changes, not for a backoff still running.
      { weight: 1, arbitrary: fc.record({ op: fc.constant('blip' as const), c: client, ms: fc.integer({ min: 2_000, max: 5_000 }) }) },
    ] : []),
  ];
}

/**
 * A generated sequence made valid step by step: an operation the model does not allow yet gets the
 * step it needs first (a rename on the list opens a detail page, navigating while cut heals first);
 * one that still makes no sense is dropped. Shrinking removes steps and this keeps the rest valid.
 */
export function validPrefix(ops: readonly Op[], shape: WorkloadShape): Op[] {
  const m = initialModel(shape);
  const out: Op[] = [];
  const take = (o: Op) => {
    if (!allowed(m, o)) return false;
    apply(m, o);
    out.push(o);
    return true;
  };
  for (const o of ops) {
    if (take(o) || !('c' in o)) continue;
    const cl = m.clients[o.c]!;
    const needsServer = ['list', 'open', 'reload', 'delete', 'switchUser', 'shortToken', 'slowToken', 'strictMode', 'sleep'].includes(o.op);
    if (needsServer && cl.shaped !== 'none') take({ op: 'heal', c: o.c });
    if ((o.op === 'rename' || o.op === 'delete') && cl.page !== 'detail') take({ op: 'open', c: o.c, file: hashSlot(o) });
    if (o.op === 'upload' && cl.page !== 'list') take({ op: 'list', c: o.c });
    take(o);
  }
  return out;
}

/** A file slot picked from an operation's own values, so the repair is as deterministic as the op. */
const hashSlot = (o: Op) => [...JSON.stringify(o)].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % (MAX_SLOT + 1);

/** The workload's arbitrary: sequences of operations that are valid from the initial model on. */
export function workloadArbitrary(opts: WorkloadShape & { minOps: number; maxOps: number }): fc.Arbitrary<Op[]> {
  return fc.array(fc.oneof(...opArbitraries(opts.clients, opts.processFaults)), { minLength: opts.minOps, maxLength: opts.maxOps })
    .map((ops) => validPrefix(ops, opts));
}

/**
 * A digest of the operations `seed` generates (as a run's first fast-check run does): a seed kept
 * for a planted bug names this run only while the digest is the same; a change to the generator or
 * to the number of operations makes it another run.
 */
export function workloadDigest(seed: number, opts: WorkloadShape & { minOps: number; maxOps: number }): string {
  let ops: Op[] = [];
  fc.check(fc.property(workloadArbitrary(opts), (o) => { ops = o; return true; }), { seed, numRuns: 1 });
  return createHash('sha256').update(JSON.stringify(ops)).digest('hex').slice(0, 12);
}

/** Client operations of a list (the unit of the exploration's throughput). */
export const CLIENT_OPS: readonly OpName[] = ['list', 'open', 'reload', 'away', 'upload', 'rename', 'delete', 'switchUser'];

/**
 * A standalone Playwright spec that replays `ops` step by step with the `workload` fixture: what
 * `explore` writes under scenarios/regressions/ for a shrunk failure, for an engineer to commit.
 */
export function renderRegressionSpec(opts: { title: string; ops: readonly Op[]; note: string; shape: WorkloadShape; login?: Record<string, string> }): string {
  const call = (o: Op) => {
    const { op, ...args } = o;
    const vals = Object.values(args).map((v) => JSON.stringify(v));
    return `  await w.${op}(${vals.join(', ')});`;
  };
  return [
    `// Generated by syncwright explore: ${opts.note.replace(/\n/g, ' ')}`,
    `// Replays the shrunk operations one by one; the generic checkers judge the history at the end.`,
    `import { test } from '../../fixtures/index.ts';`,
    '',
    ...(opts.shape.processFaults ? ['test.use({ privateStack: true });'] : []),
    ...(opts.login && Object.keys(opts.login).length ? [`test.use({ login: ${JSON.stringify(opts.login)} });`] : []),
    `test(${JSON.stringify(opts.title)}, async ({ workload }) => {`,
    `  const w = await workload({ clients: ${opts.shape.clients}, processFaults: ${opts.shape.processFaults} });`,
    ...opts.ops.map(call),
    `  await w.finish();`,
    `});`,
    '',
  ].join('\n');
}
