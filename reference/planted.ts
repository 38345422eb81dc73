/**
 * The planted bugs the reference client, app and worker implement, by the names `SYNC_PLANTED` and
 * `/dev/login?planted=` take (docs/contract.md). Only the implementation side lives here; what each
 * breaks and which scenario must catch it is the harness's catalogue
 * (harness/conformance/catalogue.ts), which the compiler holds to this list. The app build hashes
 * this file, not the catalogue (harness/stack/app.ts): a new seed in the catalogue rebuilds nothing.
 */
export const PLANTED_BUGS = [
  'queue-out-of-order',
  'drop-queue-on-reconnect',
  'ignore-updated-at',
  'no-conflict-notice',
  'no-readd-rejected-delete',
  'no-detail-merge',
  'fake-connected',
  'no-localstorage-fallback',
  'double-apply',
  'no-resync-on-reconnect',
  'ignore-usage-updates',
  'no-token-refresh',
  'clock-token-refresh',
  'ready-on-subscribed',
  'slow-usage',
  'slow-apply',
  'stamp-cursor',
  'client-clock-cursor',
  'shared-cache-key',
  'keep-first-rename',
  'stale-sync-overwrites',
  'unpersisted-delete',
  'stale-base',
  'no-resync-on-ack',
  'give-up-on-channel-error',
  'join-before-token',
  'sleep-stale-token',
  'closed-is-final',
  'trust-live-feed',
  'strict-mode-leak',
  'new-client-on-error',
  'merge-partial-change',
  'overwrite-queue',
  'reconcile-once',
  'worker-skip-run-row',
] as const;

export type PlantedBug = typeof PLANTED_BUGS[number];

export function isPlantedBug(value: string): value is PlantedBug {
  return (PLANTED_BUGS as readonly string[]).includes(value);
}

/**
 * `SYNC_PLANTED` (or the browser's `sw_planted` cookie): none when empty. An unknown name is refused:
 * running the correct code under a misspelt bug would read as a missed bug, not as a typo.
 */
export function parsePlantedBug(value: string | undefined): PlantedBug | undefined {
  if (!value) return undefined;
  if (!isPlantedBug(value)) throw new Error(`SYNC_PLANTED '${value}' is not a known planted bug (${PLANTED_BUGS.join(', ')})`);
  return value;
}

/**
 * Whether one planted bug is on. Code asks through this, never by comparing strings, so a misspelt
 * bug name is a compile error rather than a bug that silently never switches on.
 */
export type BugOn = (bug: PlantedBug) => boolean;

export function bugSwitch(active: PlantedBug | undefined): BugOn {
  return (bug) => bug === active;
}
