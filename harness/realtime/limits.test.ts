import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, WindowLimiter, loadLimits } from './limits.ts';

function withConfig(toml: string, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'sw-limits-'));
  try {
    const path = join(dir, 'config.toml');
    writeFileSync(path, toml);
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without a config the real server\'s tenant defaults apply', () => {
  assert.deepEqual(loadLimits(), DEFAULT_LIMITS);
  assert.equal(DEFAULT_LIMITS.maxEventsPerSecond, 100);
  assert.equal(DEFAULT_LIMITS.maxJoinsPerSecond, 100);
  assert.equal(DEFAULT_LIMITS.maxChannelsPerClient, 100);
  assert.equal(DEFAULT_LIMITS.maxConcurrentUsers, 200);
  assert.equal(DEFAULT_LIMITS.maxPayloadSizeKb, 3000);
  assert.equal(DEFAULT_LIMITS.maxRecordBytes, 1024 * 1024, "apply_rls's max_record_bytes");
});

test('[realtime] keys override only what they name; other sections and keys are ignored', () => {
  withConfig('[api]\nport = 54321\n[realtime]\nenabled = true\nmax_events_per_second = 7\nmax_channels_per_client = 3\n', (path) => {
    assert.deepEqual(loadLimits(path), { ...DEFAULT_LIMITS, maxEventsPerSecond: 7, maxChannelsPerClient: 3 });
  });
});

test('the per-channel presence window is read from the tenant keys of the same names', () => {
  assert.equal(DEFAULT_LIMITS.maxClientPresenceEventsPerWindow, 5);
  assert.equal(DEFAULT_LIMITS.clientPresenceWindowMs, 30_000);
  assert.equal(DEFAULT_LIMITS.maxPresenceEventsPerSecond, 1000, "the tenant schema's default");
  withConfig('[realtime]\nmax_client_presence_events_per_window = 2\nclient_presence_window_ms = 500\n', (path) => {
    assert.deepEqual(loadLimits(path), { ...DEFAULT_LIMITS, maxClientPresenceEventsPerWindow: 2, clientPresenceWindowMs: 500 });
  });
});

test('supabase/config.toml holds every limit the server reads', () => {
  const fromFile = loadLimits(fileURLToPath(new URL('../../supabase/config.toml', import.meta.url)));
  assert.equal(fromFile.maxPresenceEventsPerSecond, 20);
  assert.equal(fromFile.maxClientPresenceEventsPerWindow, 5);
  assert.equal(fromFile.clientPresenceWindowMs, 30_000);
});

test('poll_max_record_bytes sets the size over which a change is a 413', () => {
  withConfig('[realtime]\npoll_max_record_bytes = 4096\n', (path) => {
    assert.equal(loadLimits(path).maxRecordBytes, 4096);
  });
});

test('a bad limit is an error naming the key and the value', () => {
  for (const bad of ['0', '-1', '1.5', '"ten"']) {
    withConfig(`[realtime]\nmax_joins_per_second = ${bad}\n`, (path) => {
      assert.throws(() => loadLimits(path), (err: Error) => err.message.includes('max_joins_per_second') && err.message.includes('positive integer'));
    });
  }
});

test('a missing or unparsable file is an error, not silently the defaults', () => {
  assert.throws(() => loadLimits('/nonexistent/config.toml'), /ENOENT/);
  withConfig('[realtime\n', (path) => assert.throws(() => loadLimits(path)));
});

test('the window limiter (ideal) allows exactly `limit` events in any sliding window, then releases', () => {
  let now = 0;
  const w = new WindowLimiter(3, 1000, () => now);
  for (const t of [0, 100, 200]) {
    now = t;
    w.add();
    assert.equal(w.triggered(), false, `event at ${t} ms is within the limit`);
  }
  now = 999;
  w.add();
  assert.equal(w.triggered(), true, 'a 4th event inside 1 s is over');
  now = 1001;
  assert.equal(w.triggered(), false, 'the event at 0 slid out: 3 left in (1, 1001]');
  w.add();
  assert.equal(w.triggered(), true, '100, 200, 999 and 1001 are 4 inside 1 s');
  now = 1201;
  assert.equal(w.triggered(), false, 'the window slid past the burst');
  w.add();
  assert.equal(w.triggered(), false, '999, 1001 and 1201 are 3');
});

test('a slow steady rate never triggers the limiter', () => {
  let now = 0;
  const w = new WindowLimiter(10, 1000, () => now);
  for (let i = 0; i < 500; i++) {
    now = i * 101;
    w.add();
    assert.equal(w.triggered(), false);
  }
});
