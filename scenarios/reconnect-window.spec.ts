import { test, expect } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

test('changes committed while the realtime socket was down are recovered on reconnect', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'during-gap.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  alice.realtimeProxy.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  const at = await serverRename(db, id, 'renamed-in-gap.wav');
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
test('after a dropped socket the page holds one subscription: a later change arrives, once', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'after-drop.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  alice.realtimeProxy.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  alice.realtimeProxy.heal();
  await alice.waitConnected(30_000);
  // supabase-js's own rejoins land within its first backoff steps (1 s, 2 s): past them and the checker's 2 s.
  await alice.page.waitForTimeout(4_000);
  const at = await serverRename(db, id, 'renamed-after-drop.wav');
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 5_000 });
});
