import { decodeJwt } from 'jose';
import { test, expect, finalReads } from '../fixtures/index.ts';
import type { RealtimeFrame } from '../fixtures/frames.ts';
import { seedFile, serverRename } from './helpers.ts';

// A machine that sleeps stops the tab's timers, and timers do not count the time asleep: the tab
// wakes past its access token's expiry with the refresh timer still pending. Meanwhile the server
// ended the channel at expiry ("Token has expired", then phx_close), and supabase-js never rejoins
// a channel the server closed (realtime-js #246, #274; supabase-js #2613).
//
// Playwright's clock stands in for the sleep: paused, the page's timers stand still while the
// server's clock runs on; on waking the wall clock jumps ahead and the timers go on from where they
// stopped. Tokens live long enough that the refresh timer (half their life after receipt) is still
// seconds away on waking: trusted alone, it lets supabase-js's rejoins (1, 2, 5 s apart) go out with
// the expired token until well past the 6 s this test allows.
const TTL_S = 12;
test.use({ login: { tokenTtl: String(TTL_S) } });

const isExpiryEnd = (f: RealtimeFrame) => f.dir === 'received' && f.event === 'system'
  && f.payload.status === 'error' && /token has expired/i.test(String(f.payload.message));

test('a tab that slept past its token\'s expiry is live again soon after it wakes', async ({ openClient, db, user, history }) => {
  const id = await seedFile(db, user, 'slept.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  const joined = alice.frames.length;
  await alice.sleep(async () => {
    // The first sleep loads the page again with Playwright's clock: its join carries the token.
    const join = alice.frames.slice(joined).find((f) => f.dir === 'sent' && f.event === 'phx_join' && typeof f.payload.access_token === 'string');
    expect(join, 'the page joined its channel with an access token').toBeDefined();
    const { exp } = decodeJwt(String(join!.payload.access_token));
    // Asleep until the server has ended the channel for the expired token.
    await expect.poll(() => alice.frames.some(isExpiryEnd), { message: 'the server ends the channel at expiry', timeout: (exp! * 1000 - Date.now()) + 10_000 }).toBe(true);
    // The close is its own frame, right after: a poll may land between the two.
    await expect.poll(() => alice.frames.some((f) => f.dir === 'received' && f.event === 'phx_close'), { message: 'and closes it', timeout: 2_000 }).toBe(true);
  });
  const woke = Date.now();

  const at = await serverRename(db, id, 'after-waking.wav', history);
  // A fresh token and a new channel (a 1 s backoff, the join, "Subscribed to PostgreSQL", the
  // catch-up fetch), then the plan's 2 s budget; the refresh timer alone comes only seconds later.
  await expect(alice.row(id), 'a change made on waking reaches the page within 6 s').toHaveAttribute('data-updated-at', at, { timeout: 6_000 });
  await alice.waitConnected(1_000);
  expect(Date.now() - woke).toBeLessThan(7_000);
  await finalReads([alice], db, user, history);
});
