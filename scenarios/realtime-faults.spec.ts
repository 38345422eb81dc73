import { test, expect, finalReads } from '../fixtures/index.ts';
import type { RealtimeFrame } from '../fixtures/frames.ts';
import { seedFile, serverRename } from './helpers.ts';
import { realtimeFault } from '../harness/faults/realtime-faults.ts';

// Production's Realtime loses changes in ways a lossless feed never does (docs/realtime-fidelity.md).
// The faithful profile reproduces them on request; a client converges only if it resyncs on the
// signals production gives. The faults act on the whole server, so these run on a stack of this
// spec's own (@local: a real Supabase cannot be asked to fail).
test.use({ privateStack: true });

const isPgAck = (f: RealtimeFrame) => f.dir === 'received' && f.event === 'system'
  && f.payload.extension === 'postgres_changes' && f.payload.status === 'ok';
const isJoinRefused = (f: RealtimeFrame) => f.dir === 'received' && f.event === 'phx_reply' && f.payload.status === 'error';

type Fixtures = Pick<Parameters<Parameters<typeof test>[2]>[0], 'openClient' | 'db' | 'user' | 'stack' | 'history'>;

/** A file of the user's, and a page showing it, connected: `from` marks the page's frames so far. */
async function livePage({ openClient, db, user }: Pick<Fixtures, 'openClient' | 'db' | 'user'>, name: string) {
  const id = await seedFile(db, user, name);
  const alice = await openClient();
  await alice.row(id).waitFor();
  await alice.waitConnected();
  return { id, alice, from: alice.frames.length };
}

/**
 * A fault after which the server subscribes every channel again and says so: a rename committed at
 * once (inside the gap) must reach the page through the resync that follows the repeated ack.
 */
async function convergesThroughRepeatedAck({ openClient, db, user, stack, history }: Fixtures, kind: 'feed-restart' | 'publication-change'): Promise<void> {
  const { id, alice } = await livePage({ openClient, db, user }, `${kind}.wav`);
  const acks = alice.frames.filter(isPgAck).length;
  history.add('nemesis', 'info', 'fault', { kind, phase: 'start' });
  // publication-change `{}`: as if a table had been added; the tables themselves stay as they are.
  await realtimeFault(stack.info, kind, {});
  const at = await serverRename(db, id, `renamed-after-${kind}.wav`, history);
  await expect.poll(() => alice.frames.filter(isPgAck).length, { message: 'the repeated ack', timeout: 10_000 }).toBeGreaterThan(acks);
  history.add('nemesis', 'info', 'fault', { kind, phase: 'end' });
  const ackAt = alice.frames.filter(isPgAck).at(-1)!.at;
  await expect(alice.row(id), 'within the 2 s budget (with margin) of the ack').toHaveAttribute('data-updated-at', at, { timeout: 5_000 });
  expect(Date.now() - ackAt).toBeLessThan(5_000);
  await finalReads([alice], db, user, history);
}

test('feed restart: a commit in the gap is recovered by the resync on the repeated "Subscribed to PostgreSQL" @local', async ({ openClient, db, user, stack, history }) => {
  expect(stack.info.realtimeProfile, 'the gap is lost only under the faithful profile').toBe('faithful');
  await convergesThroughRepeatedAck({ openClient, db, user, stack, history }, 'feed-restart');
});

test('database outage: a page loaded during it loops through refused joins, then converges once it ends @local', async ({ openClient, db, user, stack, history }) => {
  // Long enough that the reloaded page's first join (refused only after the real 5 s join-error
  // backoff) falls inside it, even on a loaded machine.
  const OUTAGE_MS = 9_000;
  const { id, alice, from } = await livePage({ openClient, db, user }, 'outage.wav');
  history.add('nemesis', 'info', 'fault', { kind: 'db-outage', phase: 'start', ms: OUTAGE_MS });
  // The tenant's connection is lost too: with it kept, the real server accepts public joins meanwhile.
  await realtimeFault(stack.info, 'db-outage', { ms: OUTAGE_MS, dropConnection: true });
  const endsAt = Date.now() + OUTAGE_MS;
  await alice.reload();
  await expect.poll(() => alice.frames.slice(from).some(isJoinRefused), { message: 'a join refused during the outage', timeout: OUTAGE_MS + 5_000 }).toBe(true);
  // supabase-js tries the join again after its backoff (1, 2, 5, then 10 s): a page that gave the
  // channel up sends none, which shows here rather than once the outage is over.
  const refused = alice.frames.slice(from).find(isJoinRefused)!;
  await expect.poll(() => alice.frames.some((f) => f.at > refused.at && f.dir === 'sent' && f.event === 'phx_join' && f.topic === refused.topic),
    { message: 'the refused join is tried again', timeout: 12_000 }).toBe(true);
  const at = await serverRename(db, id, 'renamed-in-outage.wav', history);
  await alice.page.waitForTimeout(Math.max(0, endsAt - Date.now()));
  history.add('nemesis', 'info', 'fault', { kind: 'db-outage', phase: 'end' });
  // supabase-js rejoins on its own backoff (up to 10 s between tries), then the ack brings the resync.
  await alice.waitConnected(25_000);
  await expect(alice.row(id)).toHaveAttribute('data-updated-at', at, { timeout: 5_000 });
  await finalReads([alice], db, user, history);
});

test('publication change: every subscription is made again, and a commit before the new ack is recovered by the resync @local', async ({ openClient, db, user, stack, history }) => {
  await convergesThroughRepeatedAck({ openClient, db, user, stack, history }, 'publication-change');
});

test('events limit: a change dropped silently while it is tripped is caught up when the tab comes back @local', async ({ openClient, db, user, stack, history }) => {
  expect(stack.info.realtimeProfile, 'changes are dropped only under the faithful profile').toBe('faithful');
  const TRIP_MS = 4_000;
  const { id, alice, from } = await livePage({ openClient, db, user }, 'limit.wav');
  history.add('nemesis', 'info', 'fault', { kind: 'limit-trip', phase: 'start', ms: TRIP_MS });
  await realtimeFault(stack.info, 'limit-trip', { ms: TRIP_MS });
  const at = await serverRename(db, id, 'renamed-while-tripped.wav', history);
  // Production says nothing: no system message, no error, the channel stays joined and "Live".
  await alice.page.waitForTimeout(TRIP_MS);
  history.add('nemesis', 'info', 'fault', { kind: 'limit-trip', phase: 'end' });
  expect(await alice.row(id).getAttribute('data-updated-at'), 'the change was dropped (faithful profile)').not.toBe(at);
  expect(alice.frames.slice(from).filter((f) => f.dir === 'received' && f.event !== 'phx_reply').map((f) => f.event), 'and nothing told the page').toEqual([]);
  expect(await alice.status()).toBe('connected');
  // The user switches to another tab for a second and comes back.
  await alice.switchAway(1_000);
  await expect(alice.row(id), 'the catch-up on coming back shows it within the 2 s budget (with margin)').toHaveAttribute('data-updated-at', at, { timeout: 4_000 });
  await finalReads([alice], db, user, history);
});
