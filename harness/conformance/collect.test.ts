import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collectScenario } from './collect.ts';
import type { SpecResult } from './playwright.ts';

const spec = (status: SpecResult['status']): SpecResult => ({
  id: 'x.spec.ts:1', title: 't', file: 'x.spec.ts', project: 'scenarios', status, outcome: status, durationMs: 10, retries: 0,
  attachments: [
    { name: 'frames-c1.json', contentType: 'application/json', body: Buffer.from('[{"event":"phx_join"}]') },
    { name: 'stack.log', contentType: 'text/plain', body: Buffer.from('2026-11-25T00:00:00.000Z replication streaming') },
  ],
});

test("a failed test's frames and stack log become report artifacts; a passed test's do not", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collect-'));
  const failed = await collectScenario(spec('failed'), 0, dir);
  const passed = await collectScenario(spec('passed'), 1, dir);
  assert.deepEqual(failed.entry.result.artifacts.diagnostics, ['diagnostics/0/frames-c1.json', 'diagnostics/0/stack.log']);
  assert.equal(passed.entry.result.artifacts.diagnostics, undefined);
  assert.deepEqual(passed.artifacts, {});
  assert.equal(await readFile(failed.artifacts['diagnostics/0/frames-c1.json']!, 'utf8'), '[{"event":"phx_join"}]');
});

test('the client operations of a history and a counterexample are read once, with the scenario', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collect-'));
  const line = (index: number, type: string, f: string) => JSON.stringify({ index, time: index, wall: '2026-11-25T00:00:00.000Z', process: 'c1', type, f, value: { kind: 'rename' } });
  const s: SpecResult = { ...spec('failed'), title: 'random run', attachments: [
    { name: 'history.jsonl', contentType: 'application/jsonl', body: Buffer.from([line(0, 'invoke', 'ui'), line(1, 'ok', 'ui'), line(2, 'ok', 'ui'), line(3, 'info', 'fault')].join('\n')) },
    { name: 'counterexample.json', contentType: 'application/json', body: Buffer.from('{"seed":7,"ops":[],"failure":"convergence: x"}') },
  ] };
  const { entry } = await collectScenario(s, 3, dir);
  assert.equal(entry.clientOperations, 2);
  assert.deepEqual(entry.counterexample, { seed: 7, ops: [], failure: 'convergence: x' });
  assert.equal(entry.result.artifacts.history, 'histories/3.jsonl');
  const { artifacts } = await collectScenario(s, 3, dir);
  assert.equal((await readFile(artifacts['histories/3.jsonl']!, 'utf8')).split('\n').length, 4, 'an inline history is kept as the file the report links to');
  assert.equal(entry.result.faults.length, 1);
  assert.equal(entry.result.timeline?.length, 4);
});
