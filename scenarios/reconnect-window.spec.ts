import { test, expect } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';
import { finalReads } from '../fixtures/db.ts';
import config from '../syncwright.config.ts';
import { FAULT_GRACE_MS } from '../harness/history/steady.ts';
import { STALE_FACTOR } from '../harness/history/checkers/staleness.ts';
import type { AppClient } from '../fixtures/app-client.ts';

/** A page showing file `id`, whose realtime socket is then cut, and which no longer says it is connected. */
async function liveThenCut(openClient: () => Promise<AppClient>, id: string): Promise<AppClient> {
  const alice = await openClient();
  await alice.row(id).waitFor();
  alice.realtimeProxy.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  return alice;
}

test('changes committed while the realtime socket was down are recovered on reconnect', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'during-gap.wav');
  const alice = await liveThenCut(openClient, id);
  const at = await serverRename(db, id, 'renamed-in-gap.wav', history);
  const created = await seedFile(db, user, 'created-in-gap.wav');
  alice.realtimeProxy.heal();
  await alice.waitConnected(30_000);
  // The reconnect's sync fetch brings the gap's changes in: within the plan's 2 s of being connected again, with margin.
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 5_000 });
  await expect(alice.row(created)).toBeVisible();
});

// Nothing to assert here beyond the change arriving: the generic checkers judge the history after
// the test, and no-channel-leak holds the page to one subscription across the reconnect (a page
// that "resets" on a fresh client gets every change twice, on two sockets).
test('after a dropped socket the page holds one subscription: a later change arrives, once', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'after-drop.wav');
  const alice = await liveThenCut(openClient, id);
  alice.realtimeProxy.heal();
  await alice.waitConnected(30_000);
  // supabase-js's own rejoins land within its first backoff steps (1 s, 2 s): past them and the checker's 2 s.
  await alice.page.waitForTimeout(4_000);
  const at = await serverRename(db, id, 'renamed-after-drop.wav', history);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 5_000 });
});

// The reconcile fetch itself can fail while the socket is up (the app's gateway answers 503 as it
// restarts, a request is dropped): the page must try it again, and must not go on saying it is
// connected over a list that misses what was committed while it was down. No assertion of its own:
// the page stays connected long enough for stale-while-connected to judge it after the test, and
// convergence judges the final reads.
test('a reconcile fetch that fails after the reconnect is tried again, and the gap still arrives', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'failed-reconcile.wav');
  const alice = await liveThenCut(openClient, id);
  await serverRename(db, id, 'renamed-before-a-failed-reconcile.wav', history);
  // Sync requests answered 503 from before the heal until the first one has been refused.
  await alice.refuseSync(30_000);
  alice.realtimeProxy.heal();
  const refused = () => history.entries.some((e) => e.process === alice.name && e.f === 'sync' && e.value.status === 503);
  await expect.poll(refused, { message: 'the reconcile fetch after the heal is refused', timeout: 30_000, intervals: [100] }).toBe(true);
  await alice.refuseSync(0);
  await alice.waitConnected(20_000);
  // Past the faults' grace and the checker's staleness bound, with a second to spare; the final
  // reads after it are what tells the checkers the page was still open, and what it showed then.
  await alice.page.waitForTimeout(FAULT_GRACE_MS + config.latencyBudget.max * STALE_FACTOR + 1_000);
  await finalReads([alice], db, user, history);
});
