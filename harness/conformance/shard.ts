import { createHash } from 'node:crypto';
import { scenarioName } from '../report/compare.ts';
import type { PlantedEntry } from './catalogue.ts';
import { SCENARIOS, plantedProjects } from './planted.ts';
import type { ListedTest } from './playwright.ts';

/**
 * Sharding `syncwright run` (`--shard i/n`): every shard cuts the same list of the run's items — the
 * scenario tests (each seed of the random workload is one), the planted bugs of the matrix and the
 * load smoke — and runs the i-th slice; `syncwright report --merge` joins the shards' reports.
 *
 * Why not Playwright's own `--shard`: it cuts the tests of one Playwright run in order, so it knows
 * nothing of the load smoke or of a matrix run apart from the scenarios (`--repeat-each`), and a
 * planted bug is a project of several slots' worth of tests whose verdict every shard would give
 * ("its test did not run" in all but one). Here each item has a stable key and lands in exactly one
 * shard by it; the shard then tells Playwright exactly which tests to run (`--test-list`, project,
 * file and titles) and the matrix exactly which bugs (SYNCWRIGHT_MATRIX).
 */
export interface Shard { index: number; total: number }

export const MAX_SHARDS = 100;

/** `i/n` with 1 ≤ i ≤ n ≤ MAX_SHARDS; undefined for anything else. */
export function parseShard(value: string): Shard | undefined {
  const m = /^(\d{1,3})\/(\d{1,3})$/.exec(value);
  if (!m) return undefined;
  const index = Number(m[1]);
  const total = Number(m[2]);
  return index >= 1 && index <= total && total <= MAX_SHARDS ? { index, total } : undefined;
}

export const shardName = (s: Shard) => `${s.index}/${s.total}`;

/** What an unsharded run would run. */
export interface RunItems { scenarios: readonly ListedTest[]; planted: readonly PlantedEntry[]; load: boolean }

/** One shard's slice of a run, and `plan`: a digest of the whole run's item keys, the same in every shard of one run. */
export interface ShardPlan { shard: Shard; scenarios: ListedTest[]; planted: PlantedEntry[]; load: boolean; plan: string }

/**
 * A scenario test's key: its file and titles, a random run's seed left out (scenarioName) and its
 * place among the tests of that name put in (#0, #1, … for SYNCWRIGHT_RANDOM_SEEDS seeds). The key
 * is then the same in every shard, whichever first seed each draws.
 */
export function scenarioKeys(tests: readonly ListedTest[]): string[] {
  const seen = new Map<string, number>();
  return tests.map((t) => {
    const base = [t.file, ...t.titlePath.slice(0, -1), scenarioName(t.titlePath.at(-1) ?? '')].join(' › ');
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    return `${base} #${k}`;
  });
}

/**
 * The index-th of `total` slices: each kind (scenario tests, planted bugs, the load smoke) sorted by
 * key and dealt round-robin, the count running on from one kind to the next, so every kind and the
 * whole spread evenly (shard sizes differ by at most one) and each item lands in exactly one shard.
 * The same items give the same slices, whatever order Playwright listed them in.
 */
export function planShard(items: RunItems, shard: Shard): ShardPlan {
  const scenarioKey = scenarioKeys(items.scenarios).map((k) => `scenario ${k}`);
  const plantedKey = items.planted.map((m) => `planted ${m.name}`);
  const loadKey = 'load fanout smoke';
  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const keys = [[...scenarioKey].sort(byKey), [...plantedKey].sort(byKey), items.load ? [loadKey] : []].flat();
  if (new Set(keys).size !== keys.length) throw new Error(`two items of the run have one key: ${keys.find((k, i) => keys.indexOf(k) !== i)}`);
  const mine = new Set(keys.filter((_, n) => n % shard.total === shard.index - 1));
  // The slice keeps the run's order (Playwright's listing, the catalogue's).
  return {
    shard,
    scenarios: items.scenarios.filter((_, i) => mine.has(scenarioKey[i]!)),
    planted: items.planted.filter((_, i) => mine.has(plantedKey[i]!)),
    load: mine.has(loadKey),
    plan: createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 12),
  };
}

/**
 * The shard's `--test-list` file: a line a scenario test (its project, file and full title path,
 * which Playwright matches exactly) and a line a file of each planted-bug project of the shard's
 * bugs (the project's grep already holds only the test that claims its bug).
 */
export function testList(plan: ShardPlan): string {
  const line = (project: string, parts: string[]) => {
    // Playwright splits a line at '›' and trims each part: a title it cannot name would select nothing.
    const bad = parts.find((p) => p.includes('›') || /[\r\n]/.test(p) || p !== p.trim());
    if (bad !== undefined) throw new Error(`Playwright's --test-list cannot name the test '${bad}' (a '›', a line break or outer spaces); rename it to shard the run`);
    return `[${project}] › ${parts.join(' › ')}`;
  };
  return [
    `# syncwright run --shard ${shardName(plan.shard)}, plan ${plan.plan}`,
    ...plan.scenarios.map((t) => line(SCENARIOS, [t.file, ...t.titlePath])),
    ...plantedProjects(plan.planted).flatMap((p) => p.testMatch.map((f) => line(p.name, [f]))),
  ].join('\n') + '\n';
}
