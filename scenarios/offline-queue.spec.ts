import { test, expect, ledger, finalReads } from '../fixtures/index.ts';
import { seedFile } from './helpers.ts';

test('an offline queue of renames replays in the original order after reconnect', async ({ openClient, db, user, history }) => {
  const ids = [await seedFile(db, user, 'a.wav'), await seedFile(db, user, 'b.wav'), await seedFile(db, user, 'c.wav')];
  const alice = await openClient();
  await alice.row(ids[2]!).waitFor();
  alice.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  // Pages are client-rendered after the first load: navigate within the app while offline via the detail links.
  const names = ['first', 'second', 'third'];
  for (const [i, id] of ids.entries()) {
    await alice.page.evaluate(async ([id, name]) => {
      const engine = (window as unknown as { __syncEngine: { rename(id: string, n: string): Promise<void> } }).__syncEngine;
      await engine.rename(id!, name!);
    }, [id, names[i]]);
    history.add('c1', 'invoke', 'rename', { entityId: id, name: names[i] });
  }
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('3');
  alice.heal();
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 20_000 });
  const applied = (await ledger(db, user.id)).filter((r) => r.kind === 'rename');
  expect(applied.map((r) => r.entity_id), 'server saw the renames in the order they were made').toEqual(ids);
  const { rows } = await db.query(`select name from audio_files where id = any($1) order by array_position($1, id)`, [ids]);
  expect(rows.map((r) => r.name)).toEqual(names);
  const verdicts = await finalReads([alice], db, user, history);
  for (const v of verdicts) expect(v.valid, `${v.name}: ${JSON.stringify(v.anomalies)}`).not.toBe(false);
});

test('a reload while offline keeps the queue, and it replays once the API is back', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'keep.wav');
  const alice = await openClient();
  await alice.openDetail(id);
  await alice.page.route('**/api/**', (route) => route.abort('connectionrefused'));
  await alice.rename(id, 'renamed-offline.wav');
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  await alice.page.reload();
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('1');
  await expect(alice.page.locator('[data-testid=audio-detail] [data-testid=audio-name]')).toHaveText('renamed-offline.wav');
  await alice.page.unroute('**/api/**');
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 15_000 });
  const { rows } = await db.query('select name from audio_files where id = $1', [id]);
  expect(rows[0].name).toBe('renamed-offline.wav');
});
