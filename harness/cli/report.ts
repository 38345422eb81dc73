import { readFile, realpath } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseFlags, shardFlag, UsageError, type Command } from './command.ts';
import { Report, upgradeReport } from '../schema/report.ts';
import { assertComparable, baselineNames, compareReports } from '../report/compare.ts';
import { MergeRefused, mergeShards, type Merged } from '../report/merge.ts';
import { shardLine } from '../report/html.ts';
import { reportsRoot, writeReport } from '../report/write.ts';
import config from '../../syncwright.config.ts';

const usage = `usage: syncwright report [runId|path] [--compare <base report.json>] [--allow-missing NAME]...
       syncwright report --merge <shard report dir>... [--allow-missing i/n]...

Prints the summary of a run (default: reports/latest) and the path of its index.html.
With --compare, prints per-metric deltas against a baseline report.json and exits 1 on a
regression beyond the budgets in syncwright.config.ts (latency growth, new failures, missed
planted bugs, load throughput per CPU-second, loss).

What the baseline ran and this run did not is a regression too: a scenario (absent or skipped),
a planted bug, a load script at a size. A seeded random run counts as the same scenario under
any seed.

  --allow-missing NAME   excuse one of those by name: a scenario's title (with or without its
                         seed), a planted bug, a load script (fanout, throttle); repeatable. A name
                         the baseline does not have is refused (exit 2), so a typo excuses nothing.

Reports of different kinds (conformance from 'run', load from 'load', explore from 'explore') are
not compared: the command names both kinds and exits 1.

  --merge DIR...         join the reports of 'syncwright run --shard i/n' (each shard's report
                         directory as written, artifacts included) into a new reports/<runId>/:
                         report.json, index.html and junit.xml of the whole run, the shards'
                         traces, histories and diagnostics copied beside them; prints its path.
                         Exit 0 when the merged run passes, 1 when it fails. Refused (exit 2):
                         a directory without a report, reports of different kinds, reports that
                         are not shards, shards of different counts, runs or targets, a shard given
                         twice, a missing shard
  --allow-missing i/n    with --merge: merge without that shard (the merged report names it
                         missing); repeatable. A shard that is there is refused.`;

async function load(ref: string): Promise<{ file: string; report: Report }> {
  const candidates = [ref, path.join(ref, 'report.json'), path.join(reportsRoot(), ref, 'report.json')];
  const file = candidates.find((c) => existsSync(c) && c.endsWith('.json'));
  if (!file) throw new UsageError(`no report.json at '${ref}' (looked in ${candidates.join(', ')})`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = Report.safeParse(upgradeReport(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${file} is not a Syncwright report: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return { file: await realpath(file), report: parsed.data };
}

function printSummary(report: Report, file: string): void {
  const s = report.summary;
  console.log(`run ${report.runId} (${report.target.kind}): ${s.ok ? 'PASS' : 'FAIL'}`);
  const slice = shardLine(report);
  if (slice) console.log(`  ${slice}`);
  console.log(`  scenarios: ${s.passed} passed, ${s.failed} failed, ${s.flaky} flaky, ${s.skipped} skipped`);
  console.log(`  planted bugs: ${s.plantedCaught} caught, ${s.plantedMissed} missed`);
  if (s.latency) console.log(`  commit→DOM: p50 ${s.latency.p50} ms, p95 ${s.latency.p95} ms, max ${s.latency.max} ms over ${s.latency.count} samples (budget p95 ≤ ${report.budget.p95}, max ≤ ${report.budget.max})`);
  for (const l of report.load) console.log(`  load ${l.name} (${l.size}): ${l.passed ? 'passed' : 'FAILED'}`);
  for (const f of report.scenarios.filter((x) => x.status === 'failed')) console.log(`  FAILED ${f.title}`);
  console.log(`  ${path.join(path.dirname(file), 'index.html')}`);
}

/** `report --merge`: the shards' reports → one new report directory; refusals are usage errors (exit 2), a failing run exit 1. */
async function merge(dirs: string[], allowMissing: string[]): Promise<number> {
  if (!dirs.length) throw new UsageError('--merge needs the report directories of the shards');
  const excused = allowMissing.map((v) => shardFlag('allow-missing', v)!);
  const inputs = await Promise.all(dirs.map(async (name) => {
    const { file, report } = await load(name);
    return { name, dir: path.dirname(file), report };
  }));
  let merged: Merged;
  try {
    merged = mergeShards(inputs, excused);
  } catch (err) {
    if (err instanceof MergeRefused) throw new UsageError(err.message);
    throw err;
  }
  for (const d of merged.dropped) console.error(`syncwright report: ${d} is linked from its shard's report but absent; the merged report leaves the link out`);
  const dir = await writeReport(merged.report, { artifacts: merged.artifacts });
  console.log(`merged report: ${dir}`);
  printSummary(merged.report, path.join(dir, 'report.json'));
  return merged.report.summary.ok ? 0 : 1;
}

export const command: Command = {
  name: 'report',
  summary: 'summarise or compare runs',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { compare: { type: 'string' }, 'allow-missing': { type: 'string', multiple: true }, merge: { type: 'boolean' } }, true);
    const allowMissing = values['allow-missing'] ?? [];
    if (values.merge) {
      if (values.compare) throw new UsageError('--merge and --compare do not go together: merge the shards, then compare the merged report');
      return merge(positionals, allowMissing);
    }
    if (allowMissing.length && !values.compare) throw new UsageError('--allow-missing needs --compare or --merge');
    if (positionals.length > 1) throw new UsageError(`one report at a time, got ${positionals.length} (${positionals.join(', ')}); --merge joins shards`);
    const { file, report } = await load(positionals[0] ?? path.join(reportsRoot(), 'latest'));
    // Refusals come before the summary, so CI's log ends with the reason.
    const base = values.compare ? await load(values.compare) : undefined;
    if (base) {
      assertComparable(base.report, report);
      const names = baselineNames(base.report);
      for (const n of allowMissing) if (!names.has(n)) throw new UsageError(`--allow-missing '${n}' names nothing in the baseline ${base.report.runId} (its scenarios, planted bugs and load scripts)`);
    }
    const s = report.summary;
    printSummary(report, file);
    if (!base) return s.ok ? 0 : 1;
    const deltas = compareReports(base.report, report, config.compare, allowMissing);
    console.log(`\ncompared with ${base.report.runId}:`);
    const width = Math.max(...deltas.map((d) => d.metric.length), 10);
    for (const d of deltas) console.log(`  ${d.regression ? 'REGRESSION' : '          '} ${d.metric.padEnd(width)} ${String(d.base).padStart(10)} → ${String(d.now).padEnd(10)}`);
    const regressions = deltas.filter((d) => d.regression).length;
    const excused = deltas.filter((d) => d.excused).length;
    const note = excused ? `; ${excused} not run, excused by --allow-missing` : '';
    console.log(regressions ? `${regressions} regression(s): beyond the budgets in syncwright.config.ts, or not run${note}` : `no regression beyond the budgets${note}`);
    return regressions ? 1 : 0;
  },
};
