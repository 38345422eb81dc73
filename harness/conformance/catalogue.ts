import type { PlantedBug } from '../../reference/planted.ts';
import type { CheckerName } from '../history/checker.ts';

/**
 * The planted-bug catalogue: for each bug the reference implements (reference/planted.ts, switched
 * on by `SYNC_PLANTED=<name>`), what it breaks and the scenario that must catch it; the planted-bug matrix
 * proves each is caught. It lives with the harness, not the reference, because it says what the
 * suite claims: editing a claim or a seed here does not rebuild the app.
 */
export interface PlantedEntry {
  name: PlantedBug; breaks: string; caughtBy: string;
  /**
   * The planted bug lives in the worker process, so it cannot be switched on per browser; the matrix
   * boots a stack with `SYNC_PLANTED` for it. The others are switched on per browser through
   * `/dev/login?planted=` and share the run's stack.
   */
  inWorker?: true;
  /** Part of the title of the one test in `caughtBy` that must catch it, where the file has several. */
  test?: string;
  /** The generic history checker it is expected to trip (bugs of the random workload, `caughtBy: 'random'`, and bugs a scenario leaves to the checkers). */
  checker?: CheckerName;
  /**
   * The workload seed the matrix replays for it: one `syncwright explore --planted <name> --ops 100`
   * found it with (Jepsen keeps a failing seed the same way). Without one, the run's own seed is used.
   * `digest` pins the operations that seed generated then (workloadDigest): once the generator
   * changes, the seed is another run, and a unit test says to find a new one.
   */
  seed?: { value: number; digest: string };
}

/**
 * Keyed by bug: `satisfies Record<PlantedBug, …>` makes a bug the reference implements without an
 * entry, an entry for a bug it does not implement, or two entries for one bug a compile error.
 * The order is the matrix's (it packs browser planted bugs into projects in this order).
 */
const ENTRIES = {
  'queue-out-of-order': { breaks: 'replays queued mutations newest first', caughtBy: 'offline-queue', test: 'replays in the original order' },
  'drop-queue-on-reconnect': { breaks: 'clears the queue on reconnect instead of replaying it', caughtBy: 'offline-queue', test: 'replays in the original order' },
  'ignore-updated-at': { breaks: 'applies realtime or sync payloads older than the held row', caughtBy: 'stale-event' },
  'no-conflict-notice': { breaks: 'keeps the server version after a 409 but shows no notification', caughtBy: 'conflict' },
  'no-readd-rejected-delete': { breaks: 'a delete the server refused is not re-added from hydration', caughtBy: 'delete-rejected', test: 'the server refuses' },
  'no-detail-merge': { breaks: 'the open detail view ignores realtime changes until reload', caughtBy: 'detail-merge' },
  'fake-connected': { breaks: 'reports connected while the realtime socket is down', caughtBy: 'connection-status' },
  'no-localstorage-fallback': { breaks: 'keeps the queue only in memory when IndexedDB is unavailable', caughtBy: 'storage-fallback' },
  'double-apply': { breaks: 'replays a mutation with a new mutationId, so a lost response applies twice', caughtBy: 'lost-response' },
  'no-resync-on-reconnect': { breaks: 'skips the REST sync fetch after a reconnect', caughtBy: 'reconnect-window', test: 'are recovered on reconnect' },
  'ignore-usage-updates': { breaks: 'drops usage_logs realtime updates, so the quota panel goes stale', caughtBy: 'field-failures', test: 'usage panel updates when an upload commits' },
  'no-token-refresh': { breaks: 'keeps the first access token, so the server ends the subscription when it expires', caughtBy: 'token-refresh', test: 'without losing the subscription' },
  'clock-token-refresh': { breaks: 'times the token refresh by the browser clock, so with the clock behind a short token expires first', caughtBy: 'token-refresh', test: 'clock 5 min behind' },
  'ready-on-subscribed': { breaks: 'runs the reconcile fetch on SUBSCRIBED, ignoring the postgres_changes ack', caughtBy: 'subscribed-not-ready', test: 'of the first join' },
  'slow-usage': { breaks: 'applies usage_logs realtime updates 2.5 s late; only the steady-state latency budget (fixtures) sees it', caughtBy: 'field-failures', test: 'usage panel updates when an upload commits' },
  'slow-apply': { breaks: 'applies realtime payloads 2.5 s late, past the plan budget', caughtBy: 'events-within-budget', test: 'each event type of each table' },
  // Caught by the generic history checkers under the random workload, not by a bespoke assertion.
  'stamp-cursor': { breaks: 'the sync cursor is "now" at the sync, so a write stamped before it but committed after the sync is skipped for good', caughtBy: 'random', checker: 'convergence', seed: { value: 7001, digest: 'b0cbf92acd6a' } },
  'client-clock-cursor': { breaks: 'stores the browser clock as the next sync cursor; a browser clock ahead skips what changed while away', caughtBy: 'random', checker: 'convergence', seed: { value: 7001, digest: 'b0cbf92acd6a' } },
  'shared-cache-key': { breaks: 'keys the cached rows without the user id, so the next account in the browser profile is shown them', caughtBy: 'random', checker: 'isolation', seed: { value: 7003, digest: '147756250a3e' } },
  'keep-first-rename': { breaks: 'folds a rename into an unsent queued rename of the row but keeps the first name', caughtBy: 'random', checker: 'no-lost-write', seed: { value: 7001, digest: 'b0cbf92acd6a' } },
  // The random workload's monotonic-reads and read-your-writes catch it too, but only in 2 seeds of 8
  // (explore, --ops 100): a sync answer and a realtime change of one row must cross. The spec makes them.
  'stale-sync-overwrites': { breaks: 'applies sync rows without last-write-wins, over newer versions realtime brought during the fetch', caughtBy: 'stale-event', test: 'landing after it' },
  'unpersisted-delete': { breaks: 'a realtime delete leaves the row in the cache, so a reload shows it again until the sync', caughtBy: 'random', checker: 'no-resurrection', seed: { value: 7003, digest: '147756250a3e' } },
  'stale-base': { breaks: 'a rename\'s baseUpdatedAt is the version the page first showed, so a rename after any update gets a spurious 409', caughtBy: 'random', checker: 'writes-follow-reads', seed: { value: 7001, digest: 'b0cbf92acd6a' } },
  'no-resync-on-ack': { breaks: 'resyncs only after a reconnect, as if the feed were lossless: commits lost in a feed restart stay missing', caughtBy: 'realtime-faults', test: 'feed restart' },
  'give-up-on-channel-error': { breaks: 'removes the channel on CHANNEL_ERROR, so after a database outage it never rejoins', caughtBy: 'realtime-faults', test: 'database outage' },
  'join-before-token': { breaks: 'subscribes without waiting for the accessToken callback, so with a slow token source the channel joins as anon and RLS hides changes', caughtBy: 'slow-token' },
  'sleep-stale-token': { breaks: 'trusts the refresh timer alone, so a tab that slept past its token\'s expiry rejoins with the expired token until the timer fires', caughtBy: 'slept-tab' },
  'closed-is-final': { breaks: 'takes a channel the server closed (token expired, rate limit) as final: supabase-js never rejoins it, so the page stays stale', caughtBy: 'slept-tab' },
  'trust-live-feed': { breaks: 'skips the catch-up when the tab comes back while still subscribed, as if the feed were lossless: changes dropped under the events limit stay missing', caughtBy: 'realtime-faults', test: 'events limit' },
  'strict-mode-leak': { breaks: 'starts the engine after an await without asking whether the effect was cleaned up meanwhile: under StrictMode\'s set-up, clean-up, set-up a second socket and channel leak', caughtBy: 'strict-mode' },
  'new-client-on-error': { breaks: 'on a refused or dropped channel, subscribes again on a fresh supabase client and leaves the old one, which supabase-js rejoins once the link is back: two live channels, every change twice', caughtBy: 'reconnect-window', test: 'holds one subscription', checker: 'no-channel-leak' },
  'merge-partial-change': { breaks: 'merges a change the server could not send whole (a row over 1 MB arrives as a 413 with only its small values) as if it were the row: the name is wiped', caughtBy: 'large-row' },
  'overwrite-queue': { breaks: 'writes the tab\'s own copy of the queue over the stored one, so a rename another tab of the profile queued offline is lost once that tab closes', caughtBy: 'offline-queue', test: 'two tabs', checker: 'no-lost-write' },
  'reconcile-once': { breaks: 'takes a reconcile fetch that failed after a reconnect (a 503, a dropped request, with the socket up) as done: the page says connected over a list that misses the gap, until the next reconnect', caughtBy: 'reconnect-window', test: 'reconcile fetch that fails', checker: 'stale-while-connected' },
  'worker-skip-run-row': { breaks: 'the worker finishes the file but leaves its run processing', caughtBy: 'worker-transitions', inWorker: true },
} satisfies Record<PlantedBug, Omit<PlantedEntry, 'name'>>;

export const CATALOGUE: readonly PlantedEntry[] = Object.entries(ENTRIES).map(([name, entry]) => ({ name: name as PlantedBug, ...entry }));
