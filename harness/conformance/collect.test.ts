import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collectScenarios } from './collect.ts';
import type { SpecResult } from './playwright.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const spec = (status: SpecResult['status']): SpecResult => ({
  id: 'x.spec.ts:1', title: 't', file: 'x.spec.ts', project: 'scenarios', status, outcome: status, durationMs: 10, retries: 0,
  attachments: [
    { name: 'frames-c1.json', contentType: 'application/json', body: b64('[{"event":"phx_join"}]') },
    { name: 'stack.log', contentType: 'text/plain', body: b64('2026-11-25T00:00:00.000Z replication streaming') },
  ],
});

test("a failed test's frames and stack log become report artifacts; a passed test's do not", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'collect-'));
  const { scenarios, artifacts } = await collectScenarios([spec('failed'), spec('passed')], dir);
  assert.deepEqual(scenarios[0]!.artifacts.diagnostics, ['diagnostics/0/frames-c1.json', 'diagnostics/0/stack.log']);
  assert.equal(scenarios[1]!.artifacts.diagnostics, undefined);
  assert.equal(await readFile(artifacts['diagnostics/0/frames-c1.json']!, 'utf8'), '[{"event":"phx_join"}]');
});
