import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allowed, apply, initialModel, renderRegressionSpec, validPrefix, workloadArbitrary, type Op } from './ops.ts';

const shape = { clients: 4, processFaults: false };

test('every generated sequence is valid step by step from the initial model', () => {
  fc.assert(fc.property(workloadArbitrary({ ...shape, minOps: 5, maxOps: 60 }), (ops) => {
    const m = initialModel(shape);
    for (const o of ops) {
      if (!allowed(m, o)) return false;
      apply(m, o);
    }
    return true;
  }), { seed: 3, numRuns: 300 });
});

test('a step the model does not allow yet gets what it needs first; one that makes no sense is dropped', () => {
  const ops: Op[] = [
    { op: 'rename', c: 0, name: 'a.wav' }, // on the list: opens a detail page first
    { op: 'cut', c: 0 },
    { op: 'rename', c: 0, name: 'offline.wav' }, // offline, on the detail page: as is
    { op: 'list', c: 0 }, // cut: heals first
    { op: 'heal', c: 0 }, // nothing to heal: dropped
    { op: 'switchUser', c: 0 }, // only the last profile switches accounts: dropped
    { op: 'switchUser', c: 3 },
  ];
  assert.deepEqual(validPrefix(ops, shape).map((o) => o.op), ['open', 'rename', 'cut', 'rename', 'heal', 'list', 'switchUser']);
});

test('process faults are offered only to a run that owns its stack', () => {
  const ops: Op[] = [{ op: 'restartRealtime' }, { op: 'restartPostgres' }, { op: 'feedRestart' }, { op: 'dbOutage', ms: 2_000 }];
  assert.equal(validPrefix(ops, shape).length, 0);
  assert.equal(validPrefix(ops, { ...shape, processFaults: true }).length, 4);
});

test('Realtime\'s own faults are generated only for a run that owns its stack', () => {
  const serverFaults = (processFaults: boolean) => fc.sample(workloadArbitrary({ clients: 4, processFaults, minOps: 300, maxOps: 300 }), { numRuns: 5, seed: 11 })
    .flat().filter((o) => o.op === 'feedRestart' || o.op === 'dbOutage').length;
  assert.equal(serverFaults(false), 0);
  assert.ok(serverFaults(true) > 0);
});

test('a regression spec is plain fixture calls, one a step, with the run shape and planted bug', () => {
  const text = renderRegressionSpec({
    title: 'regression: seed 7 (convergence)', note: 'seed 7', shape, login: { planted: 'stamp-cursor' },
    ops: [{ op: 'open', c: 1, file: 2 }, { op: 'rename', c: 1, name: "it's.wav" }, { op: 'slowCommit' }],
  });
  assert.match(text, /test\.use\(\{ login: \{"planted":"stamp-cursor"\} \}\);/);
  assert.match(text, /const w = await workload\(\{ clients: 4, processFaults: false \}\);/);
  assert.match(text, /^ {2}await w\.open\(1, 2\);$/m);
  assert.match(text, /^ {2}await w\.rename\(1, "it's\.wav"\);$/m);
  assert.match(text, /^ {2}await w\.slowCommit\(\);$/m);
  assert.match(text, /^ {2}await w\.finish\(\);$/m);
});
