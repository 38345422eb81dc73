import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultSummary, faultWindows } from './faults.ts';

test('a fault started on two links is one window; an end with nothing open is none; a start never ended stays open', () => {
  const faults = [
    { kind: 'slow-sync', phase: 'end', time: 5, client: 'c2' },
    { kind: 'cut', phase: 'start', time: 100, client: 'c1' }, { kind: 'cut', phase: 'start', time: 101, client: 'c1' },
    { kind: 'cut', phase: 'start', time: 150, client: 'c2' },
    { kind: 'cut', phase: 'end', time: 600, client: 'c1' }, { kind: 'cut', phase: 'end', time: 601, client: 'c1' },
    { kind: 'cut', phase: 'end', time: 700, client: 'c2' },
    { kind: 'slow-writer', phase: 'start', time: 800 },
  ];
  assert.deepEqual(faultWindows(faults), [
    { kind: 'cut', client: 'c1', from: 100, to: 601 }, { kind: 'cut', client: 'c2', from: 150, to: 700 }, { kind: 'slow-writer', from: 800 },
  ]);
  assert.deepEqual(faultSummary(faults), [
    { kind: 'cut', windows: 2, clients: ['c1', 'c2'], ended: 2, totalMs: 1051, unended: 0, untimed: 0 },
    { kind: 'slow-writer', windows: 1, clients: [], ended: 0, totalMs: 0, unended: 1, untimed: 0 },
  ]);
});

test('faults of an old report, without times, are still counted by their starts', () => {
  assert.deepEqual(faultSummary([{ kind: 'cut', phase: 'start', client: 'c1' }, { kind: 'cut', phase: 'end', client: 'c1' }]),
    [{ kind: 'cut', windows: 1, clients: ['c1'], ended: 0, totalMs: 0, unended: 0, untimed: 1 }]);
});
