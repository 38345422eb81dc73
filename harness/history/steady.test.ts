import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultSpans, steadySamples, type Sighting } from './steady.ts';
import { History } from './recorder.ts';

const T = Date.parse('2026-11-25T12:00:00.000Z');
const iso = (ms: number) => new Date(T + ms).toISOString().replace('Z', '000Z');
const status = (at: number, state: string, event = 'set'): Sighting => ({ at: T + at, testid: 'connection-status', id: '', updatedAt: '', status: state, event });
const row = (at: number, id: string, committedAt: number, testid = 'audio-row'): Sighting => ({ at: T + at, testid, id, updatedAt: iso(committedAt), status: '', event: 'set' });
const doc = (at: number): Sighting => ({ at: T + at, testid: 'document', id: '', updatedAt: '', status: '', event: 'added' });

test('a change committed while connected counts once, from commit to its first sighting', () => {
  const seen = [doc(0), status(100, 'connected', 'added'), row(1050, 'a', 1000), row(1200, 'a', 1000, 'audio-detail'), row(3040, 'b', 3000)];
  assert.deepEqual(steadySamples(seen, []), [50, 40]);
});

test('rows committed before the document was live, while offline, or in another document are not steady state', () => {
  const seen = [
    doc(0), row(50, 'old', -60_000), status(100, 'connected', 'added'),
    status(2000, 'offline'), row(2600, 'gap', 2500), status(4000, 'connected'),
    row(4100, 'live', 4050),
    row(5000, 'late', 4900), // committed in the first document, seen only after the reload
    doc(4950), status(5100, 'connected', 'added'),
  ];
  assert.deepEqual(steadySamples(seen.slice(0, 7), []), [50]);
  assert.deepEqual(steadySamples(seen, []).sort(), [50]);
});

test('commits inside a fault window or its grace period are left out', () => {
  const seen = [status(0, 'connected', 'added'), row(1100, 'a', 1000), row(7000, 'b', 6000), row(9100, 'c', 9000)];
  const faults = [{ start: T + 500, end: T + 2000 }];
  assert.deepEqual(steadySamples(seen, faults, 5000), [100]);
});

test("fault spans: a client's own and the global ones, paired by kind; an open one never ends", () => {
  const h = new History();
  h.add('nemesis', 'info', 'fault', { kind: 'cut', client: 'c1', phase: 'start' });
  h.add('nemesis', 'info', 'fault', { kind: 'cut', client: 'c2', phase: 'start' });
  h.add('nemesis', 'info', 'fault', { kind: 'cut', client: 'c1', phase: 'end' });
  h.add('nemesis', 'info', 'fault', { kind: 'realtime-restart', phase: 'start' });
  const spans = faultSpans(h.entries, 'c1');
  assert.equal(spans.length, 2);
  assert.ok(Number.isFinite(spans[0]!.end));
  assert.equal(spans[1]!.end, Infinity);
});
