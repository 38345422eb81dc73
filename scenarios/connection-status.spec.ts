import { test, expect } from '../fixtures/index.ts';

test('connection status follows a real cut: connected → offline → connecting → connected', async ({ openClient }) => {
  const alice = await openClient();
  await alice.goto('/');
  await alice.waitConnected();
  // Every value the status attribute takes from here on, as the latency probe saw it (fixtures/probe.ts).
  const from = alice.seen.length;
  const initial = (await alice.status()) ?? '';
  alice.realtimeProxy.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).toHaveAttribute('data-state', 'offline', { timeout: 5_000 });
  alice.realtimeProxy.heal();
  await alice.waitConnected(30_000);
  const states = [initial, ...alice.seen.slice(from).filter((e) => e.testid === 'connection-status' && e.event !== 'removed').map((e) => e.status)]
    .filter((s, i, all) => i === 0 || s !== all[i - 1]);
  expect(states[0]).toBe('connected');
  expect(states).toContain('offline');
  expect(states[states.length - 1]).toBe('connected');
  const offlineAt = states.indexOf('offline');
  expect(states.slice(offlineAt), 'reconnecting is shown before connected').toContain('connecting');
});
