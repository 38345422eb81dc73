import { test, expect, ledger, finalReads } from '../fixtures/index.ts';
import { seedFile } from './helpers.ts';

test('a response lost after the server applied the mutation: the replay applies nothing twice', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'once.wav');
  const alice = await openClient();
  await alice.openDetail(id);
  let dropped = 0;
  const applied: number[] = [];
  const fetchErrors: string[] = [];
  await alice.page.route(`**/api/audio-files/${id}`, async (route) => {
    if (route.request().method() === 'PATCH' && dropped === 0) {
      dropped++;
      try {
        const res = await route.fetch(); // the server applies it…
        applied.push(res.status());
      } catch (err) {
        fetchErrors.push((err as Error).message);
      }
      await route.abort('connectionreset'); // …and the client never hears back
      return;
    }
    await route.continue();
  });
  await alice.rename(id, 'applied-once.wav');
  // The first attempt is applied by the server but its response never arrives; the client retries.
  await expect.poll(() => applied.length + fetchErrors.length, { timeout: 10_000 }).toBe(1);
  await expect.poll(async () => (await ledger(db, user.id)).length, { timeout: 10_000 }).toBeGreaterThan(0);
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 20_000 });
  await expect(alice.page.locator('[data-testid=audio-detail] [data-testid=audio-name]')).toHaveText('applied-once.wav');
  const renames = (await ledger(db, user.id)).filter((r) => r.kind === 'rename');
  expect(dropped).toBe(1);
  expect(applied, `the dropped request reached the server and succeeded ${fetchErrors.join('; ')}`).toEqual([200]);
  expect(renames, 'one mutation in the ledger').toHaveLength(1);
  expect(renames[0]!.statusCode).toBe(200);
  await finalReads([alice], db, user, history);
});
