import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convergence, queueOrder, noLostNoDouble, notifications, monotonicReads, checkAll } from './checker.ts';
import { toJepsenEdn } from './jepsen.ts';
import type { HistoryEntry } from '../schema/history.ts';

let i = 0;
const e = (process: string, type: HistoryEntry['type'], f: HistoryEntry['f'], value: Record<string, unknown>): HistoryEntry =>
  ({ index: i++, time: i, wall: new Date(0).toISOString(), process, type, f, value });
const row = (id: string, name = 'a', status = 'uploaded', updatedAt = 't1') => ({ id, name, status, updatedAt });

function validHistory(): HistoryEntry[] {
  i = 0;
  return [
    e('c1', 'invoke', 'rename', { mutationId: 'm1', entityId: 'f1' }),
    e('c1', 'ok', 'rename', { mutationId: 'm1', entityId: 'f1' }),
    e('c1', 'invoke', 'rename', { mutationId: 'm2', entityId: 'f1' }),
    e('c1', 'fail', 'rename', { mutationId: 'm2', entityId: 'f1', status: 409 }),
    e('c1', 'ok', 'notify', { kind: 'conflict', entityId: 'f1' }),
    e('c1', 'ok', 'observe', { entityId: 'f1', updatedAt: 't1' }),
    e('c1', 'ok', 'observe', { entityId: 'f1', updatedAt: 't2' }),
    e('db', 'ok', 'ledger', { mutationIds: ['m1', 'm2'], applied: [{ kind: 'rename', entityId: 'f1' }] }),
    e('db', 'ok', 'final-read', { entities: [row('f1', 'b', 'uploaded', 't2')] }),
    e('c1', 'ok', 'final-read', { entities: [row('f1', 'b', 'uploaded', 't2')] }),
  ];
}

test('a valid history passes every checker', () => {
  for (const v of checkAll(validHistory())) assert.equal(v.valid, true, `${v.name}: ${JSON.stringify(v.anomalies)}`);
});

test('a client missing a row, or showing another version, does not converge', () => {
  const h = validHistory();
  h[h.length - 1] = { ...h[h.length - 1]!, value: { entities: [row('f1', 'old', 'uploaded', 't1')] } };
  assert.equal(convergence(h).valid, false);
  h[h.length - 1] = { ...h[h.length - 1]!, value: { entities: [] } };
  assert.equal(convergence(h).anomalies[0]?.kind, 'missing');
});

test('mutations reaching the server out of the client order are flagged', () => {
  const h = validHistory().map((x) => (x.f === 'ledger' ? { ...x, value: { mutationIds: ['m2', 'm1'], applied: [] } } : x));
  assert.equal(queueOrder(h).anomalies[0]?.kind, 'reordered');
});

test('a mutationId applied twice, or an acknowledged one missing, is flagged', () => {
  const twice = validHistory().map((x) => (x.f === 'ledger' ? { ...x, value: { mutationIds: ['m1', 'm1', 'm2'], applied: [] } } : x));
  assert.equal(noLostNoDouble(twice).anomalies[0]?.kind, 'double-apply');
  const lost = validHistory().map((x) => (x.f === 'ledger' ? { ...x, value: { mutationIds: ['m2'], applied: [] } } : x));
  assert.equal(noLostNoDouble(lost).anomalies[0]?.kind, 'lost');
});

test('a 409 without its notification is flagged', () => {
  const h = validHistory().filter((x) => x.f !== 'notify');
  assert.equal(notifications(h).anomalies[0]?.kind, 'missing-notification');
});

test('showing an older version after a newer one is a stale read', () => {
  i = 100;
  const h = [e('c1', 'ok', 'observe', { entityId: 'f', updatedAt: 't2' }), e('c1', 'ok', 'observe', { entityId: 'f', updatedAt: 't1' })];
  assert.equal(monotonicReads(h).valid, false);
});

test('property: dropping any acknowledged write from the ledger is always caught as lost', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.nat(), (n, pick) => {
    i = 0;
    const ids = Array.from({ length: n }, (_, k) => `m${k}`);
    const h = ids.flatMap((id) => [e('c1', 'invoke', 'rename', { mutationId: id, entityId: 'f' }), e('c1', 'ok', 'rename', { mutationId: id, entityId: 'f' })]);
    const dropped = ids[pick % n]!;
    h.push(e('db', 'ok', 'ledger', { mutationIds: ids.filter((x) => x !== dropped), applied: [] }));
    const v = noLostNoDouble(h);
    return v.valid === false && v.anomalies.some((a) => a.detail.includes(dropped));
  }), { seed: 42, numRuns: 200 });
});

test('property: interleaving two clients keeps a per-client ordered history valid', () => {
  fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 2, maxLength: 30 }), (choices) => {
    i = 0;
    const next = { c1: 0, c2: 0 };
    const h: HistoryEntry[] = [];
    const ledger: string[] = [];
    for (const c of choices) {
      const p = c ? 'c1' : 'c2';
      const id = `${p}-${next[p]++}`;
      h.push(e(p, 'invoke', 'rename', { mutationId: id, entityId: p }), e(p, 'ok', 'rename', { mutationId: id, entityId: p }));
      ledger.push(id);
    }
    h.push(e('db', 'ok', 'ledger', { mutationIds: ledger, applied: [] }));
    return queueOrder(h).valid === true && noLostNoDouble(h).valid === true;
  }), { seed: 7, numRuns: 100 });
});

test('the Jepsen export has one EDN map per entry with :type and :f keywords', () => {
  const lines = toJepsenEdn(validHistory()).trim().split('\n');
  assert.equal(lines.length, validHistory().length);
  assert.match(lines[0]!, /^\{:index 0 :time \d+ :process 0 :type :invoke :f :rename :value \{:mutationId "m1" :entityId "f1"\}\}$/);
  assert.ok(lines.some((l) => / :type :fail /.test(l)));
});

test('convergence judges the last round of final reads', () => {
  const h = validHistory();
  i = h.length;
  h.push(e('db', 'ok', 'final-read', { entities: [row('f1', 'c', 'uploaded', 't3')] }), e('c1', 'ok', 'final-read', { entities: [row('f1', 'c', 'uploaded', 't3')] }));
  assert.equal(convergence(h).valid, true);
});
