import { test, expect, finalReads } from '../fixtures/index.ts';
import { liveChannels } from '../fixtures/frames.ts';
import { seedFile, serverRename } from './helpers.ts';

// React StrictMode (development) sets every effect up, cleans it up and sets it up again at once. A
// cleanup that cannot stop a setup still awaiting leaks that setup's socket and channel, one more at
// each remount, toward the server's connection and channel limits (realtime-js #169). A production
// build never does this, so the app is asked to (`/dev/login?strictMode=1`).
test.use({ login: { strictMode: '1' } });

test('under StrictMode\'s set-up, clean-up, set-up the page holds one channel on one socket, and changes arrive once', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'strict.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  // A leaked setup finishes its awaits (token, storage) shortly after the kept one: give it time to join.
  await alice.page.waitForTimeout(2_000);
  const at = await serverRename(db, id, 'strict-renamed.wav', history);
  await expect(alice.row(id), 'within the 2 s budget (with margin)').toHaveAttribute('data-updated-at', at, { timeout: 4_000 });

  const channels = liveChannels(alice.frames).filter((c) => c.topic === `realtime:user:${user.id}`);
  expect(channels.map((c) => `socket ${c.socket}`), 'one joined channel for the user, on one socket').toHaveLength(1);
  const deliveries = alice.frames.filter((f) => f.dir === 'received' && f.event === 'postgres_changes'
    && (f.payload.data as { record?: { name?: string } } | undefined)?.record?.name === 'strict-renamed.wav');
  expect(deliveries.map((f) => `socket ${f.socket}`), 'the change reached the page once').toHaveLength(1);
  await finalReads([alice], db, user, history);
});
