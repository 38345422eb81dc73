import { test, expect } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

test('a payload older than the held row is ignored', async ({ openClient, db, user }) => {
  const id = await seedFile(db, user, 'v1.wav');
  const { rows } = await db.query(`select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t, created_at from audio_files where id = $1`, [id]);
  const oldAt = rows[0].t as string;
  const alice = await openClient();
  const newAt = await serverRename(db, id, 'v2.wav');
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
