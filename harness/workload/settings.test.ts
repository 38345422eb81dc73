import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_OPS, reproCommand, workloadSettings } from './settings.ts';

test('a replay line names every setting that changes what the seed generates, and only those', () => {
  const base = { seed: 7, maxOps: DEFAULT_OPS, clients: 4, processFaults: false };
  assert.equal(reproCommand(base), 'npx syncwright repro random --seed 7');
  assert.equal(reproCommand({ ...base, maxOps: 1000, clients: 6, processFaults: true, steps: 212, planted: 'stale-base' }),
    'npx syncwright repro random --seed 7 --ops 1000 --clients 6 --process-faults --steps 212 --planted stale-base');
});

test('the time limit and the steps of a replay come from the environment, checked', () => {
  const s = workloadSettings({ SYNCWRIGHT_RUN_SECONDS: '60', SYNCWRIGHT_RANDOM_STEPS: '212' });
  assert.equal(s.runMs, 60_000);
  assert.equal(s.steps, 212);
  const none = workloadSettings({});
  assert.equal(none.runMs, undefined, 'no time limit unless asked: the matrix and run replay whole seeds');
  assert.equal(none.steps, undefined);
  assert.throws(() => workloadSettings({ SYNCWRIGHT_RANDOM_STEPS: '0' }), /SYNCWRIGHT_RANDOM_STEPS must be a whole number from 1/);
  assert.throws(() => workloadSettings({ SYNCWRIGHT_RUN_SECONDS: 'soon' }), /SYNCWRIGHT_RUN_SECONDS must be a whole number/);
});
