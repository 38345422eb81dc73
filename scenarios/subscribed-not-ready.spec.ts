import { test, expect } from '../fixtures/index.ts';
import type { AppClient } from '../fixtures/app-client.ts';
import type { RealtimeFrame } from '../fixtures/frames.ts';
import { seedFile, serverRename } from './helpers.ts';
import { setSubscribeDelay } from '../harness/faults/subscribe-delay.ts';

// Real Supabase replies to the join (supabase-js: SUBSCRIBED) before postgres_changes are live; the
// `system` ack 'Subscribed to PostgreSQL' follows, and a change committed in between is never pushed.
// Our Realtime server widens that window for this test's user (so @local: a real Supabase cannot), so
// a change can be committed inside it on purpose.
const WINDOW_MS = 3_000;

const isJoinOk = (f: RealtimeFrame) => f.dir === 'received' && f.event === 'phx_reply'
  && f.payload.status === 'ok' && Array.isArray((f.payload.response as { postgres_changes?: unknown } | undefined)?.postgres_changes);
const isPgAck = (f: RealtimeFrame) => f.dir === 'received' && f.event === 'system'
  && f.payload.extension === 'postgres_changes' && f.payload.status === 'ok';

async function nextFrame(c: AppClient, from: number, match: (f: RealtimeFrame) => boolean, what: string, timeout = 30_000): Promise<RealtimeFrame> {
  await expect.poll(() => c.frames.slice(from).some(match), { message: what, timeout }).toBe(true);
  return c.frames.slice(from).find(match)!;
}

/**
 * Commits a rename inside the window the caller has just opened (frames from `from` on), half way
 * through it: a client that reconciled on SUBSCRIBED has read by then, and nothing is pushed yet.
 */
async function renameInWindow(c: AppClient, from: number, rename: () => Promise<string>): Promise<string> {
  const joined = await nextFrame(c, from, isJoinOk, 'the join reply (SUBSCRIBED)');
  await c.page.waitForTimeout(Math.max(0, joined.at + WINDOW_MS / 2 - Date.now()));
  const at = await rename();
  const committed = Date.now();
  const ack = await nextFrame(c, from, isPgAck, 'the postgres_changes system ack', WINDOW_MS + 10_000);
  expect(ack.at, 'the change was committed after SUBSCRIBED and before the postgres_changes ack').toBeGreaterThan(committed);
  return at;
}

test('a change committed between SUBSCRIBED and the postgres_changes ack of the first join reaches the UI @local', async ({ openClient, db, user, stack, history }) => {
  const id = await seedFile(db, user, 'first-join.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  await setSubscribeDelay(stack.info, user.id, WINDOW_MS);
  const from = alice.frames.length;
  await alice.page.reload();
  const at = await renameInWindow(alice, from, () => serverRename(db, id, 'renamed-before-ack.wav', history));
  await expect(alice.row(id), 'converged within the 2 s budget after the ack').toHaveAttribute('data-updated-at', at, { timeout: 2_000 });
  expect(await alice.status()).toBe('connected');
});

test('a change committed between SUBSCRIBED and the postgres_changes ack of a rejoin reaches the UI @local', async ({ openClient, db, user, stack, history }) => {
  const id = await seedFile(db, user, 'rejoin.wav');
  const alice = await openClient();
  await alice.row(id).waitFor();
  await setSubscribeDelay(stack.info, user.id, WINDOW_MS);
  alice.realtimeProxy.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).not.toHaveAttribute('data-state', 'connected', { timeout: 10_000 });
  const from = alice.frames.length;
  alice.realtimeProxy.heal();
  const at = await renameInWindow(alice, from, () => serverRename(db, id, 'renamed-before-reack.wav', history));
  await expect(alice.row(id), 'converged within the 2 s budget after the ack').toHaveAttribute('data-updated-at', at, { timeout: 2_000 });
  expect(await alice.status()).toBe('connected');
});
