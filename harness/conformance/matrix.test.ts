import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plantedVerdicts } from './matrix.ts';
import { selectPlanted, plantedProjects } from './planted.ts';
import type { SpecResult } from './playwright.ts';
import { CATALOGUE } from './catalogue.ts';
import { PLANTED_BUGS } from '../../reference/planted.ts';
import { workloadDigest } from '../workload/ops.ts';
import { DEFAULT_OPS, workloadSettings } from '../workload/settings.ts';

const failed = (project: string, file: string, error: string): SpecResult => ({
  id: `${file}:1`, title: 't', file, project, status: 'passed', outcome: 'failed', durationMs: 1000, retries: 0, error, attachments: [],
});

test('a bug of the random workload is caught only when a generic checker fired, and the matrix names it', () => {
  const bugs = selectPlanted(['stale-base', 'keep-first-rename']);
  const [p1, p2] = plantedProjects(bugs).map((p) => p.name);
  const r = plantedVerdicts([
    failed(p1!, 'scenarios/random.spec.ts', 'Error: writes-follow-reads: stale-base: c2: rename of f1 is based on …\nreplay with: npx syncwright repro random --seed 7'),
    failed(p2!, 'scenarios/random.spec.ts', 'TimeoutError: locator.waitFor: Timeout 20000ms exceeded.'),
  ], bugs);
  assert.deepEqual(r.map((x) => [x.bug, x.caught, x.checker]), [['stale-base', true, 'writes-follow-reads'], ['keep-first-rename', false, undefined]]);
  assert.match(r[1]!.detail, /no generic checker fired/);
});

test('a bespoke scenario\'s bug is caught by any assertion failure, not by a boot error', () => {
  const bugs = selectPlanted(['no-conflict-notice', 'fake-connected']);
  const names = plantedProjects(bugs).map((p) => p.name);
  const r = plantedVerdicts([
    failed(names[0]!, 'scenarios/conflict.spec.ts', 'Error: expect(locator).toBeVisible() failed'),
    failed(names[0]!, 'scenarios/connection-status.spec.ts', 'bootStack: the app did not become healthy'),
  ], bugs);
  assert.deepEqual(r.map((x) => x.caught), [true, false]);
});

test('the seed kept for each planted bug of the random workload still generates the run it was found with', () => {
  const settings = workloadSettings({});
  for (const m of CATALOGUE.filter((x) => x.seed)) {
    assert.equal(workloadDigest(m.seed!.value, settings), m.seed!.digest,
      `${m.name}: seed ${m.seed!.value} now generates other operations (the workload changed); find one again with \`syncwright explore --planted ${m.name} --ops ${DEFAULT_OPS}\` and keep the seed and digest it prints`);
  }
});

test('the catalogue has exactly one entry for every planted bug the reference implements', () => {
  // The compiler proves it (satisfies Record<PlantedBug, …>); this guards the cast that turns the
  // catalogue's keys back into names.
  assert.deepEqual(CATALOGUE.map((m) => m.name).sort(), [...PLANTED_BUGS].sort());
});
