import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CATALOGUE, type PlantedEntry } from './catalogue.ts';
import { matrixArgs } from './matrix.ts';
import { SCENARIOS, plantedFor } from './planted.ts';
import { listTests, type ListedTest } from './playwright.ts';
import { parseShard, planShard, testList, type RunItems, type ShardPlan } from './shard.ts';

const random = (seed: number): ListedTest => ({ project: SCENARIOS, file: 'random.spec.ts', titlePath: [`random workload: 4 clients (seed ${seed})`] });
const listing = (firstSeed: number): ListedTest[] => [
  ...Array.from({ length: 13 }, (_, i) => ({ project: SCENARIOS, file: `s${i % 5}.spec.ts`, titlePath: [`test ${i}`] })),
  { project: SCENARIOS, file: 's1.spec.ts', titlePath: ['a describe', 'test 1'] },
  ...[0, 1, 2].map((k) => random(firstSeed + k)),
];
const items = (scenarios: ListedTest[]): RunItems => ({ scenarios, planted: CATALOGUE, load: true });
const names = (p: ShardPlan) => [...p.scenarios.map((t) => `${t.file} › ${t.titlePath.join(' › ')}`), ...p.planted.map((m) => m.name), ...(p.load ? ['load'] : [])];

test('--shard reads i/n with 1 ≤ i ≤ n, and nothing else', () => {
  assert.deepEqual(parseShard('1/2'), { index: 1, total: 2 });
  assert.deepEqual(parseShard('3/3'), { index: 3, total: 3 });
  for (const bad of ['0/2', '3/2', 'x', '1/0', '1/', '/2', '1/2/3', '-1/2', '1.5/2', ' 1/2', '1/101', '1/99999999999999999999']) assert.equal(parseShard(bad), undefined, bad);
});

test('the shards of a run hold every item exactly once, evenly, whatever order the files were listed in', () => {
  const all = names(planShard(items(listing(1)), { index: 1, total: 1 }));
  assert.equal(all.length, 17 + CATALOGUE.length + 1);
  for (const total of [2, 3, 7, all.length + 5]) {
    const plans = Array.from({ length: total }, (_, i) => planShard(items(listing(1)), { index: i + 1, total }));
    const slices = plans.map(names);
    assert.deepEqual(slices.flat().sort(), [...all].sort(), `${total} shards: each item in exactly one`);
    const sizes = slices.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${total} shards are even: ${sizes}`);
    assert.equal(new Set(plans.map((p) => p.plan)).size, 1, 'one plan');
    // Another order of files and tests (a file's seeds keep theirs: their place is their key), the same slices.
    const listed = listing(1);
    const shuffled = [...listed.filter((t) => t.file === 'random.spec.ts'), ...listed.filter((t) => t.file !== 'random.spec.ts').reverse()];
    assert.deepEqual(Array.from({ length: total }, (_, i) => names(planShard(items(shuffled), { index: i + 1, total })).sort()), slices.map((s) => [...s].sort()));
  }
  // More shards than items: the last ones are empty, and still valid plans.
  const empty = planShard(items(listing(1)), { index: all.length + 5, total: all.length + 5 });
  assert.deepEqual([empty.scenarios, empty.planted, empty.load], [[], [], false]);
});

test('a random-workload seed is dealt by its place, not its number, so shards drawing other first seeds split the seeds the same way', () => {
  const seedsOf = (first: number, index: number) => planShard(items(listing(first)), { index, total: 2 }).scenarios.filter((t) => t.file === 'random.spec.ts').map((t) => Number(/seed (\d+)/.exec(t.titlePath[0]!)![1]) - first);
  assert.deepEqual(seedsOf(1, 1), seedsOf(900, 1));
  assert.deepEqual([...seedsOf(1, 1), ...seedsOf(900, 2)].sort(), [0, 1, 2]);
  assert.equal(planShard(items(listing(1)), { index: 1, total: 2 }).plan, planShard(items(listing(900)), { index: 1, total: 2 }).plan);
  assert.notEqual(planShard(items(listing(1)), { index: 1, total: 2 }).plan, planShard(items(listing(1).slice(1)), { index: 1, total: 2 }).plan, 'another item set is another plan');
});

test('the test list names each test by project, file and titles, and refuses a title Playwright could not name', () => {
  const plan = planShard({ scenarios: listing(1), planted: CATALOGUE.filter((m) => m.name === 'worker-skip-run-row'), load: false }, { index: 1, total: 1 });
  const lines = testList(plan).trim().split('\n');
  assert.ok(lines.includes('[scenarios] › s1.spec.ts › a describe › test 1'));
  assert.ok(lines.includes('[planted-worker-skip-run-row] › worker-transitions.spec.ts'));
  const bad = planShard({ scenarios: [{ project: SCENARIOS, file: 'a.spec.ts', titlePath: ['one › two'] }], planted: [], load: false }, { index: 1, total: 1 });
  assert.throws(() => testList(bad), /cannot name the test 'one › two'/);
});

/** A listed test as an item: a scenario test, or a planted bug's test (the bug, not its project, whose name depends on the matrix's packing). */
function itemsOf(tests: ListedTest[], bugs: readonly PlantedEntry[]): string[] {
  return tests.map((t) => {
    const where = `${t.file} › ${t.titlePath.join(' › ')}`;
    if (t.project === SCENARIOS) return `scenario ${where}`;
    const bug = plantedFor(bugs, t.project, t.file);
    assert.ok(bug, `${t.project} ${t.file} has no planted bug`);
    return `planted ${bug.name}: ${where}`;
  });
}

test('two shards, as Playwright lists them with their test lists, hold exactly the tests of one unsharded run: scenarios, seeds and planted bugs', async () => {
  const env = { SYNCWRIGHT_SEED: '11', SYNCWRIGHT_RANDOM_SEEDS: '3' };
  const whole = await listTests([], { ...env, ...matrixArgs(CATALOGUE).env });
  const expected = itemsOf(whole, CATALOGUE);
  assert.equal(new Set(expected).size, expected.length);
  assert.equal(whole.filter((t) => t.project === SCENARIOS && t.file === 'random.spec.ts').length, 3, 'the seeds are listed');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-shard-'));
  try {
    const shards = await Promise.all([1, 2].map(async (index) => {
      // What syncwright run --shard does: list the scenarios, take the slice, hand Playwright its test list and matrix.
      const plan = planShard({ scenarios: whole.filter((t) => t.project === SCENARIOS), planted: CATALOGUE, load: true }, { index, total: 2 });
      const file = path.join(dir, `shard-${index}.txt`);
      await writeFile(file, testList(plan));
      const listed = await listTests(['--test-list', file], { ...env, ...matrixArgs(plan.planted).env });
      assert.deepEqual(itemsOf(listed.filter((t) => t.project === SCENARIOS), []), itemsOf([...plan.scenarios], []), `shard ${index} runs its scenario tests and no others`);
      return { plan, items: itemsOf(listed, plan.planted) };
    }));
    const [a, b] = shards.map((s) => s.items);
    assert.deepEqual(a!.filter((x) => b!.includes(x)), [], 'no test in both shards');
    assert.deepEqual([...a!, ...b!].sort(), [...expected].sort(), 'together, the unsharded run');
    assert.ok(shards.every((s) => s.plan.scenarios.length && s.plan.planted.length), 'both shards got scenarios and planted bugs');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
