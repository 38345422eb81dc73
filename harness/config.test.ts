// syncwright.config.ts is the only source of budgets and gates: it rejects bad values by name, and
// each consumer follows it. The consumers are checked with the config changed under them, so one that
// kept a copy of the numbers (even the same numbers) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import config, { parseConfig, SyncwrightConfigSchema, type SyncwrightConfig } from '../syncwright.config.ts';
import { MIN_P95_SAMPLES, summarize, withinBudget } from './history/budget.ts';
import { k6Thresholds, thresholdsEnv } from './load/thresholds.ts';
import { lossWithin } from './load/users.ts';

/** Runs `f` with one section of the config replaced, as every importer sees it. */
function withConfig<K extends keyof SyncwrightConfig>(key: K, value: SyncwrightConfig[K], f: () => void): void {
  const saved = config[key];
  config[key] = value;
  try {
    f();
  } finally {
    config[key] = saved;
  }
}

const valid = (): SyncwrightConfig => structuredClone(config);

test('the config parses, and the budget numbers are the plan\'s', () => {
  assert.deepEqual(SyncwrightConfigSchema.parse(valid()), config);
  assert.deepEqual(config.latencyBudget, { p95: 1000, max: 2000 });
});

test('a bad value is rejected with its key named', () => {
  const bad = (patch: (c: SyncwrightConfig) => void, key: RegExp) => {
    const c = valid();
    patch(c);
    assert.throws(() => parseConfig(c), key);
  };
  bad((c) => { c.latencyBudget.p95 = -1; }, /latencyBudget\.p95: /);
  bad((c) => { c.latencyBudget.p95 = 3000; }, /latencyBudget\.p95: must not exceed latencyBudget\.max/);
  bad((c) => { (c.load as Record<string, unknown>).p99Ms = '250'; }, /load\.p99Ms: /);
  bad((c) => { c.load.maxLossRatio = 1.5; }, /load\.maxLossRatio: /);
  // A misspelt key would otherwise be ignored while the gate it meant kept its old value.
  bad((c) => { (c.load as Record<string, unknown>).p99ms = 100; }, /load: .*p99ms/);
});

test('withinBudget without a budget of its own reads the config', () => {
  // Samples enough for a p95 of their own (MIN_P95_SAMPLES).
  const s = summarize(Array(MIN_P95_SAMPLES).fill(1500));
  assert.equal(withinBudget(s).ok, false, 'p95 1500 ms is over the 1000 ms budget');
  withConfig('latencyBudget', { p95: 1600, max: 1600 }, () => assert.equal(withinBudget(s).ok, true));
  withConfig('latencyBudget', { p95: 1400, max: 1600 }, () => assert.match(withinBudget(s).why, /p95 1500 ms over the 1400 ms budget/));
});

test('k6 is handed the thresholds built from the config', () => {
  const env = (script: 'fanout' | 'throttle') => JSON.parse(thresholdsEnv(script).SW_LOAD_THRESHOLDS) as Record<string, string[]>;
  assert.deepEqual(env('fanout').realtime_latency_ms, [`p(99)<${config.load.p99Ms}`]);
  assert.deepEqual(env('fanout').realtime_join_ms, [`p(95)<${config.load.joinP95Ms}`]);
  assert.deepEqual(env('throttle').realtime_latency_ms, [`p(99)<${config.load.p99Ms}`]);
  assert.deepEqual(env('throttle'), k6Thresholds(config.load).throttle);
  withConfig('load', { ...config.load, p99Ms: 123, joinP95Ms: 4567 }, () => {
    assert.deepEqual(env('fanout').realtime_latency_ms, ['p(99)<123']);
    assert.deepEqual(env('fanout').realtime_join_ms, ['p(95)<4567']);
    assert.deepEqual(env('throttle').realtime_latency_ms, ['p(99)<123']);
  });
});

test('the loss gate reads maxLossRatio from the config', () => {
  const loss = { committed: 10, expected: 100, delivered: 98, lost: 2, lostUsers: 1 };
  assert.equal(lossWithin(loss), false, 'the config allows no loss');
  assert.equal(lossWithin({ ...loss, delivered: 100, lost: 0 }), true);
  assert.equal(lossWithin({ ...loss, committed: 0, expected: 0, delivered: 0, lost: 0 }), false, 'nothing committed: nothing tested');
  withConfig('load', { ...config.load, maxLossRatio: 0.02 }, () => assert.equal(lossWithin(loss), true));
  withConfig('load', { ...config.load, maxLossRatio: 0.01 }, () => assert.equal(lossWithin(loss), false));
});
