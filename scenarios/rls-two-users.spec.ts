import { test, expect } from '../fixtures/index.ts';
import { randomUUID } from 'node:crypto';
import { seedFile } from './helpers.ts';

test('RLS: bob never sees alice rows, in the DOM or on the wire', async ({ openClient, db, user }) => {
  const bobUser = { id: randomUUID(), email: `bob-${Date.now()}@example.test` };
  await db.query('insert into auth.users (id, email) values ($1, $2)', [bobUser.id, bobUser.email]);
  await db.query('insert into usage_logs (user_id) values ($1)', [bobUser.id]);
  const alice = await openClient('alice');
  const bob = await openClient('bob', bobUser);
  const frames: string[] = [];
  bob.page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  await bob.page.reload();
  await bob.waitConnected();
  const id = await seedFile(db, user, 'alice-private.wav');
  await expect(alice.row(id)).toBeVisible();
  await db.query(`update audio_files set name = 'alice-private-2.wav' where id = $1`, [id]);
  await expect(alice.row(id).locator('[data-testid=audio-name]')).toHaveText('alice-private-2.wav');
  await bob.page.waitForTimeout(500);
  await expect(bob.row(id)).toHaveCount(0);
  expect(frames.some((f) => f.includes('alice-private')), 'no alice row content on bob\'s socket').toBe(false);
});
