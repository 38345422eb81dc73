import { decodeJwt } from 'jose';
import { test, expect, finalReads } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

// A slow token source (a session refresh over a slow link): supabase-js sends a channel's join with
// the token it holds at that moment, so an app that subscribes before its accessToken callback
// resolves joins as anon (supabase-js #2655, #1304). RLS then hides every change from the channel
// until the token follows, while the join was answered and the app may already show itself live.
const TOKEN_DELAY_MS = 4_000;
test.use({ login: { tokenDelay: String(TOKEN_DELAY_MS) } });

test('a slow accessToken callback: the first join carries the user\'s token, and changes flow from the first ack', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'slow-token.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  await alice.waitConnected(TOKEN_DELAY_MS + 20_000);
  const join = alice.frames.find((f) => f.dir === 'sent' && f.event === 'phx_join' && f.topic === `realtime:user:${user.id}`);
  expect(join, 'the user channel\'s join').toBeDefined();
  const token = join!.payload.access_token;
  expect(typeof token === 'string' ? decodeJwt(token).sub : 'no access_token', 'the join goes out with the user\'s token, not as anon').toBe(user.id);
  // Live means changes reach the page: one committed now arrives within the 2 s budget (with margin).
  const at = await serverRename(db, id, 'renamed-once-live.wav', history);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 3_000 });
  await finalReads([alice], db, user, history);
});
