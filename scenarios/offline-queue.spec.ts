import { test, expect, ledger, finalReads } from '../fixtures/index.ts';
import { blockApi, seedFile, unblockApi } from './helpers.ts';

test('an offline queue of renames replays in the original order after reconnect', async ({ openClient, db, user, history }) => {
  const ids = [await seedFile(db, user, 'a.wav'), await seedFile(db, user, 'b.wav'), await seedFile(db, user, 'c.wav')];
  const alice = await openClient();
  await alice.row(ids[2]!).waitFor();
  // Offline for the API and the realtime socket; pages still load, so each rename is made on its own
  // detail page and the queue must survive every navigation (it lives in IndexedDB).
  alice.realtimeProxy.cut();
  await blockApi(alice);
  await expect(alice.page.locator('[data-testid=connection-status]')).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  const names = ['first', 'second', 'third'];
  for (const [i, id] of ids.entries()) {
    await alice.goto(`/audio/${id}`);
    await alice.page.locator(`[data-testid=audio-detail][data-id="${id}"]`).waitFor();
    await alice.rename(id, names[i]!);
    await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText(String(i + 1));
  }
  await unblockApi(alice);
  alice.heal();
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 20_000 });
  const applied = (await ledger(db, user.id)).filter((r) => r.kind === 'rename');
  expect(applied.map((r) => r.entityId), 'server saw the renames in the order they were made').toEqual(ids);
  const { rows } = await db.query(`select name from audio_files where id = any($1) order by array_position($1, id)`, [ids]);
  expect(rows.map((r) => r.name)).toEqual(names);
  await finalReads([alice], db, user, history);
});

test('a reload while offline keeps the queue, and it replays once the API is back', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'keep.wav');
  const alice = await openClient();
  await alice.openDetail(id);
  await blockApi(alice);
  await alice.rename(id, 'renamed-offline.wav');
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  await alice.page.reload();
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  await expect(alice.page.locator('[data-testid=audio-detail] [data-testid=audio-name]')).toHaveText('renamed-offline.wav');
  await unblockApi(alice);
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 15_000 });
  const { rows } = await db.query('select name from audio_files where id = $1', [id]);
  expect(rows[0].name).toBe('renamed-offline.wav');
});

// Two tabs of one browser profile share its storage, and so its queue. Nothing to assert beyond the
// queues draining: the generic checkers judge the history after the test, and no-lost-write holds
// the closed tab to the rename it showed (a tab that writes its own copy of the queue over the
// stored one drops what the other tab queued).
test('renames queued offline in two tabs of one profile all reach the server, though one tab closed first', async ({ openClient, db, user, history }) => {
  const [x, y] = [await seedFile(db, user, 'first-tab.wav'), await seedFile(db, user, 'second-tab.wav')];
  const first = await openClient();
  const second = await first.openTab('c1-tab2');
  const tabs = [first, second];
  first.realtimeProxy.cut();
  for (const t of tabs) await blockApi(t);
  const edits = [[first, x, 'renamed-in-first.wav'], [second, y, 'renamed-in-second.wav']] as const;
  // Both pages are open before either queues anything, as two tabs left open would be.
  for (const [t, id] of edits) {
    await t.goto(`/audio/${id}`);
    await t.page.locator(`[data-testid=audio-detail][data-id="${id}"]`).waitFor();
  }
  for (const [t, id, name] of edits) {
    await t.rename(id, name);
    await expect(t.page.locator('[data-testid=audio-detail] [data-testid=audio-name]')).toHaveText(name);
  }
  // The first tab closes with its rename queued; the profile comes back online in the second.
  await first.page.close();
  await unblockApi(second);
  first.heal();
  await expect(second.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 20_000 });
  await second.goto('/');
  await finalReads([second], db, user, history);
});
