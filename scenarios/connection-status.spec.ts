import { test, expect } from '../fixtures/index.ts';

test('connection status follows a real cut: connected → offline → connecting → connected', async ({ openClient }) => {
  const alice = await openClient();
  await alice.goto('/');
  await alice.waitConnected();
  const states: string[] = [];
  await alice.page.exposeFunction('__swState', (s: string) => { if (states[states.length - 1] !== s) states.push(s); });
  await alice.page.evaluate(() => {
    const el = document.querySelector('[data-testid=connection-status]')!;
    const report = () => (window as unknown as { __swState(s: string): void }).__swState(el.getAttribute('data-state') ?? '');
    report();
    // Every value the attribute took, not only the last of a batch: a short-lived `connecting` can
    // be set and replaced before the observer runs, and then only a record's oldValue still has it.
    const seen = (v: string | null) => (window as unknown as { __swState(s: string): void }).__swState(v ?? '');
    new MutationObserver((records) => {
      records.forEach((r, i) => seen(i + 1 < records.length ? records[i + 1]!.oldValue : el.getAttribute('data-state')));
    }).observe(el, { attributes: true, attributeOldValue: true, attributeFilter: ['data-state'] });
  });
  alice.realtimeProxy.cut();
  await expect(alice.page.locator('[data-testid=connection-status]')).toHaveAttribute('data-state', 'offline', { timeout: 5_000 });
  alice.realtimeProxy.heal();
  await alice.waitConnected(30_000);
  expect(states[0]).toBe('connected');
  expect(states).toContain('offline');
  expect(states[states.length - 1]).toBe('connected');
  const offlineAt = states.indexOf('offline');
  expect(states.slice(offlineAt), 'reconnecting is shown before connected').toContain('connecting');
});
