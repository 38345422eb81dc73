import { test, expect } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

test('the open detail view merges a server change without a reload', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'before.wav');
  const alice = await openClient();
  await alice.openDetail(id);
  await expect(alice.page.locator('[data-testid=audio-detail] [data-testid=audio-name]')).toHaveText('before.wav');
  const navigations: string[] = [];
  alice.page.on('framenavigated', (f) => navigations.push(f.url()));
  const updatedAt = await serverRename(db, id, 'after.wav', history);
  await expect(alice.page.locator('[data-testid=audio-detail] [data-testid=audio-name]')).toHaveText('after.wav', { timeout: 5_000 });
  await expect(alice.page.locator('[data-testid=audio-detail]')).toHaveAttribute('data-updated-at', updatedAt);
  expect(navigations, 'no reload').toEqual([]);
});
