import { test, expect } from '../fixtures/index.ts';
import { blockApi, seedFile, unblockApi } from './helpers.ts';

test('an optimistic delete the server refuses (file processing) comes back with a rejected notification', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'busy.wav', 'processing');
  const alice = await openClient();
  await alice.openDetail(id);
  // The delete is queued while the API is away, so the dashboard it navigates to sends it and gets the refusal.
  await blockApi(alice);
  await alice.remove(id);
  await alice.page.waitForURL(/\/$/);
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  await unblockApi(alice);
  await expect(alice.notification('rejected', id)).toBeVisible({ timeout: 15_000 });
  await expect(alice.row(id)).toBeVisible();
  await expect(alice.row(id)).toHaveAttribute('data-status', 'processing');
  const { rows } = await db.query('select count(*)::int n from audio_files where id = $1', [id]);
  expect(rows[0].n).toBe(1);
});

test('an accepted delete stays removed', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'gone.wav');
  const alice = await openClient();
  await alice.openDetail(id);
  await alice.remove(id);
  await alice.page.waitForURL(/\/$/);
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 15_000 });
  await expect(alice.row(id)).toHaveCount(0);
  const { rows } = await db.query('select count(*)::int n from audio_files where id = $1', [id]);
  expect(rows[0].n).toBe(0);
});
