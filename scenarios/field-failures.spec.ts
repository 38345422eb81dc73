import { test, expect } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

test('a burst of changes faster than the events-per-second throttle: the client converges to the newest state', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'burst-0.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  // 200 commits in a tight loop: far above the client's 10 events/s throttle and any render rate.
  // An overload on purpose, so a fault: what counts here is convergence, not the steady-state budget.
  history.add('nemesis', 'info', 'fault', { kind: 'burst', phase: 'start' });
  let last = '';
  for (let i = 1; i <= 200; i++) last = await serverRename(db, id, `burst-${i}.wav`, history);
  history.add('nemesis', 'info', 'fault', { kind: 'burst', phase: 'end' });
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', last, { timeout: 10_000 });
  await expect(alice.row(id).locator('[data-testid=audio-name]')).toHaveText('burst-200.wav');
  const seen = (await alice.probe()).filter((e) => e.id === id && e.event === 'set').map((e) => e.updatedAt);
  expect([...seen].sort(), 'never went back to an older version').toEqual(seen);
});

test('a frozen tab (page lifecycle frozen) resumes and converges', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'frozen.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  let at = '';
  let created = '';
  await alice.freeze(async () => {
    at = await serverRename(db, id, 'changed-while-frozen.wav', history);
    created = await seedFile(db, user, 'created-while-frozen.wav');
    await alice.page.waitForTimeout(1500);
  });
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 15_000 });
  await expect(alice.row(created)).toBeVisible();
  await alice.waitConnected();
});

test('changes to two tables in one transaction reach the right handlers (list and usage panel)', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'two-tables.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  await db.query('begin');
  const f = await db.query(`update audio_files set name = 'same-ms.wav' where id = $1 returning to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t`, [id]);
  const u = await db.query(`update usage_logs set uploads_count = 7 where user_id = $1 returning to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t`, [user.id]);
  await db.query('commit');
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', f.rows[0].t);
  await expect(alice.page.locator('[data-testid=usage-panel]')).toHaveAttribute('data-uploads', '7');
  await expect(alice.page.locator('[data-testid=usage-panel]')).toHaveAttribute('data-updated-at', u.rows[0].t);
});

test('the usage panel updates when an upload commits', async ({ openClient, db, user }) => {
  const alice = await openClient();
  await expect(alice.page.locator('[data-testid=usage-panel]')).toHaveAttribute('data-uploads', '0');
  await alice.upload('counted.wav');
  // Once the upload is acknowledged its usage row has committed: the panel follows within budget.
  await expect(alice.page.locator('[data-testid=pending-count]')).toHaveText('0', { timeout: 20_000 });
  await expect(alice.page.locator('[data-testid=usage-panel]')).toHaveAttribute('data-uploads', '1', { timeout: 5_000 });
  const { rows } = await db.query('select uploads_count from usage_logs where user_id = $1', [user.id]);
  expect(rows[0].uploads_count).toBe(1);
});
