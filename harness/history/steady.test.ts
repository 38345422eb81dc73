import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { faultSpans, sightings, steadySamples, steadySamplesByClient, steadySamplesOf, type Sighting } from './steady.ts';
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

test('a client-side route change: what the new page renders was committed while another page showed', () => {
  const on = (path: string, x: Sighting): Sighting => ({ ...x, path });
  const seen = [
    on('/audio/a', doc(0)), on('/audio/a', status(100, 'connected', 'added')), on('/audio/a', row(1050, 'a', 1000, 'audio-detail')),
    // b changed at 2000 while the detail of a showed; the list renders it at 6000: not a 4 s sample.
    on('/', row(6000, 'b', 2000)),
    on('/', row(7040, 'b', 7000)), // a change the list was live for
  ];
  assert.deepEqual(steadySamples(seen, []), [50, 40]);
  // Without paths (an app whose probe reports none), the same sightings would count the 4 s.
  assert.deepEqual(steadySamples(seen.map(({ path: _, ...x }) => x), []), [50, 4000, 40]);
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

/** The original linear-scan reading of the steady-state rule: the binary searches must agree with it. */
function naive(seen: Sighting[], faults: { start: number; end: number }[], graceMs: number): number[] {
  const ordered = [...seen].sort((a, b) => a.at - b.at);
  const live: { start: number; end: number }[] = [];
  let since: number | undefined;
  for (const e of ordered) {
    const isStatus = e.testid === 'connection-status' && e.event !== 'removed';
    if (isStatus && e.status === 'connected') since ??= e.at;
    else if ((isStatus || e.testid === 'document') && since !== undefined) {
      live.push({ start: since, end: e.at });
      since = undefined;
    }
  }
  if (since !== undefined) live.push({ start: since, end: Infinity });
  const first = new Map<string, Sighting>();
  for (const e of ordered) if (e.testid === 'audio-row' && e.updatedAt && e.event !== 'removed' && !first.has(`${e.id}@${e.updatedAt}`)) first.set(`${e.id}@${e.updatedAt}`, e);
  const out: number[] = [];
  for (const e of first.values()) {
    const committed = Date.parse(e.updatedAt);
    const spell = live.find((s) => committed >= s.start && committed < s.end);
    if (!spell || e.at >= spell.end) continue;
    if (faults.some((f) => committed >= f.start && committed <= f.end + graceMs)) continue;
    out.push(Math.max(0, e.at - committed));
  }
  return out;
}

test('property: the indexed steady-state rule agrees with a plain scan', () => {
  const ev = fc.oneof(
    fc.record({ kind: fc.constant('status' as const), at: fc.nat(20_000), state: fc.constantFrom('connected', 'offline', 'connecting') }),
    fc.record({ kind: fc.constant('doc' as const), at: fc.nat(20_000) }),
    fc.record({ kind: fc.constant('row' as const), at: fc.nat(20_000), id: fc.constantFrom('a', 'b', 'c'), lag: fc.integer({ min: -500, max: 3_000 }) }),
  );
  const span = fc.record({ start: fc.nat(20_000), len: fc.nat(5_000) }).map((s) => ({ start: T + s.start, end: T + s.start + s.len }));
  fc.assert(fc.property(fc.array(ev, { maxLength: 40 }), fc.array(span, { maxLength: 4 }), fc.nat(3_000), (evs, faults, grace) => {
    const seen = evs.map((e) => (e.kind === 'status' ? status(e.at, e.state) : e.kind === 'doc' ? doc(e.at) : row(e.at, e.id, e.at - e.lag)));
    return JSON.stringify(steadySamples(seen, faults, grace)) === JSON.stringify(naive(seen, faults, grace));
  }), { seed: 17, numRuns: 300 });
});

test('samples from a history alone: observe entries are the sightings (their wall the time), fault entries the windows', () => {
  const h = new History();
  const at = (ms: number) => T + ms;
  h.add('c1', 'ok', 'observe', { doc: 'd1', path: '/', testid: 'document', event: 'added', id: '', updatedAt: '', status: '', name: '' }, at(0));
  h.add('c1', 'ok', 'observe', { doc: 'd1', path: '/', testid: 'connection-status', event: 'added', id: '', updatedAt: '', status: 'connected', name: '' }, at(100));
  h.add('c1', 'ok', 'observe', { doc: 'd1', path: '/', testid: 'audio-row', event: 'set', id: 'a', updatedAt: iso(1000), status: 'uploaded', name: 'a' }, at(1060));
  h.add('c2', 'ok', 'observe', { doc: 'd2', path: '/', testid: 'connection-status', event: 'added', id: '', updatedAt: '', status: 'connected', name: '' }, at(100));
  h.add('c2', 'ok', 'observe', { doc: 'd2', path: '/', testid: 'audio-row', event: 'set', id: 'a', updatedAt: iso(1000), status: 'uploaded', name: 'a' }, at(1090));
  h.add('nemesis', 'info', 'fault', { kind: 'cut', phase: 'start', client: 'c2' }, at(900));
  h.add('c2', 'ok', 'observe', { doc: 'd2', path: '/', testid: 'audio-row', event: 'set', id: 'b', updatedAt: iso(1000), status: 'uploaded', name: 'b' }, at(1100));
  assert.deepEqual(steadySamplesOf(h.entries, 'c1'), [60]);
  assert.deepEqual(steadySamplesOf(h.entries, 'c2'), []);
  assert.deepEqual(steadySamplesByClient(h.entries), { c1: [60], c2: [] });
  assert.deepEqual(sightings(h.entries, 'c1').map((s) => s.at - T), [0, 100, 1060]);
});
