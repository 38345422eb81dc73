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
