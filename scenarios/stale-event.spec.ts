import { test, expect } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

test('a payload older than the held row is ignored', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'v1.wav');
  const { rows } = await db.query(`select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t, created_at from audio_files where id = $1`, [id]);
  const oldAt = rows[0].t as string;
  const alice = await openClient();
  const newAt = await serverRename(db, id, 'v2.wav', history);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', newAt, { timeout: 10_000 });
  // A late, stale copy of the row arrives through a sync response (as a slow replica or a late retry would).
  await alice.page.route('**/api/sync**', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    body.audioFiles = [{ id, userId: user.id, name: 'v1.wav', status: 'succeeded', sizeBytes: null, durationMs: null, error: null, createdAt: oldAt, updatedAt: oldAt }];
    await route.fulfill({ response: res, json: body });
  });
  // A reload shows the cached newer version, then reconciles with the (stale) sync response.
  await alice.reload();
  await alice.waitConnected();
  await alice.page.waitForTimeout(300);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', newAt);
  await expect(alice.row(id).locator('[data-testid=audio-name]')).toHaveText('v2.wav');
});

test('a sync answer read before a realtime change, landing after it, does not take the row back', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'crossing-v1.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  await alice.waitConnected();
  // v2 is committed while the socket is down, so it comes back in the reconcile sync of the rejoin.
  alice.realtimeProxy.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  await serverRename(db, id, 'crossing-v2.wav', history);
  // The sync answer is read at once but held on its way back (a slow link), while realtime is live.
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let held = false;
  await alice.page.route('**/api/sync**', async (route) => {
    const res = await route.fetch();
    held = true;
    await released;
    await route.fulfill({ response: res });
  });
  alice.realtimeProxy.heal();
  await expect.poll(() => held, { message: 'the reconcile sync was answered', timeout: 20_000 }).toBe(true);
  const v3 = await serverRename(db, id, 'crossing-v3.wav', history);
  await expect(alice.row(id), 'v3 arrives by realtime while the sync answer is held').toHaveAttribute('data-updated-at', v3, { timeout: 5_000 });
  release();
  await alice.waitConnected();
  await alice.page.waitForTimeout(300);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', v3);
  await expect(alice.row(id).locator('[data-testid=audio-name]')).toHaveText('crossing-v3.wav');
});
