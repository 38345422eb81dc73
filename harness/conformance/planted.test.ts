import { test } from 'node:test';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../root.ts';
import assert from 'node:assert/strict';
import { CATALOGUE } from './catalogue.ts';
import { PLANTED, plantedFor, plantedProjects, selectPlanted } from './planted.ts';

test('every planted bug gets exactly one project, and a test finds its planted bug from project and file', () => {
  const projects = plantedProjects(CATALOGUE);
  for (const m of CATALOGUE) {
    const holders = projects.filter((p) => plantedFor(CATALOGUE, p.name, `scenarios/${m.caughtBy}.spec.ts`) === m);
    assert.equal(holders.length, 1, `${m.name} is in ${holders.map((p) => p.name).join(', ') || 'no project'}`);
    const p = holders[0]!;
    assert.ok(p.testMatch.includes(`${m.caughtBy}.spec.ts`));
    // Playwright greps "project file title"; the project holds only the claimed test of that file.
    const title = `${p.name} ${m.caughtBy}.spec.ts some test ${m.test ?? ''}`;
    assert.ok(p.grep.some((re) => re.test(title)), `${m.name}: grep misses '${title}'`);
    if (m.inWorker) assert.deepEqual(p.use.stackEnv, { SYNC_PLANTED: m.name });
    else assert.equal(p.use.stackEnv, undefined);
  }
});

test('browser planted bugs are packed: a project holds at most one planted bug a spec file', () => {
  const projects = plantedProjects(CATALOGUE);
  const browser = projects.filter((p) => !p.use.stackEnv);
  for (const p of browser) assert.equal(new Set(p.testMatch).size, p.testMatch.length, `${p.name} repeats a file`);
  // As many browser projects as the spec file claimed by the most planted bugs has (the random workload's).
  const claims = new Map<string, number>();
  for (const m of CATALOGUE.filter((x) => !x.inWorker)) claims.set(m.caughtBy, (claims.get(m.caughtBy) ?? 0) + 1);
  const most = Math.max(...claims.values());
  assert.equal(browser.length, most);
  assert.ok(projects.every((p) => p.name.startsWith(PLANTED)));
});

test('a test outside the matrix runs with no planted bug; unknown names are refused', () => {
  assert.equal(plantedFor(CATALOGUE, 'scenarios', 'scenarios/conflict.spec.ts'), undefined);
  assert.equal(plantedFor(CATALOGUE, `${PLANTED}1`, 'scenarios/rls-two-users.spec.ts'), undefined);
  assert.throws(() => selectPlanted(['no-such-bug']), /unknown planted bug 'no-such-bug'/);
  // A subset keeps its own packing, the same for the config and the verdict.
  const two = selectPlanted(['drop-queue-on-reconnect', 'double-apply']);
  assert.equal(plantedFor(two, `${PLANTED}1`, 'offline-queue.spec.ts')?.name, 'drop-queue-on-reconnect');
});

// Titles may be computed, so whether `test` names one is the matrix's to find (a claim no test
// matches runs nothing and reads as MISSED); that the file exists is checked here.
test('each entry claims a spec file that exists', () => {
  for (const m of CATALOGUE) {
    const file = path.join(ROOT, 'scenarios', `${m.caughtBy}.spec.ts`);
    assert.ok(existsSync(file), `${m.name}: caughtBy '${m.caughtBy}' is no spec (${file})`);
  }
});
