import { test, expect, finalReads } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

test('a queued rename older than the server version: server version kept, conflict notification shown', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'shared.wav');
  const alice = await openClient();
  await alice.openDetail(id);
  alice.cut();
  await alice.rename(id, 'mine.wav');
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  const serverAt = await serverRename(db, id, 'theirs.wav', history);
  alice.heal();
  // The replay's 409 is handled before the queue reports empty, so by then the notice must be up.
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 20_000 });
  await expect(alice.notification('conflict', id)).toBeVisible({ timeout: 2_000 });
  await expect(alice.page.locator('[data-testid=audio-detail] [data-testid=audio-name]')).toHaveText('theirs.wav');
  await expect(alice.page.locator('[data-testid=audio-detail]')).toHaveAttribute('data-updated-at', serverAt);
  const { rows } = await db.query('select name from audio_files where id = $1', [id]);
  expect(rows[0].name).toBe('theirs.wav');
  // The 409, its notice and the final state are in the history: the generic checkers judge them at teardown.
  await finalReads([alice], db, user, history);
});
