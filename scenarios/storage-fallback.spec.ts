import { test, expect } from '../fixtures/index.ts';
import { seedFile } from './helpers.ts';

test('with IndexedDB unavailable, the queue falls back to localStorage and survives a reload', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'fallback.wav');
  const alice = await openClient();
  await alice.context.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  await alice.openDetail(id);
  await alice.page.route('**/api/**', (route) => route.abort('connectionrefused'));
  await alice.rename(id, 'kept-in-localstorage.wav');
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  const keys = await alice.page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('queue')));
  expect(keys.length).toBeGreaterThan(0);
  await alice.page.reload();
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  await alice.page.unroute('**/api/**');
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 15_000 });
  const { rows } = await db.query('select name from audio_files where id = $1', [id]);
  expect(rows[0].name).toBe('kept-in-localstorage.wav');
});
