import { readFile, realpath } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseFlags, UsageError, type Command } from './command.ts';
import { Report, upgradeReport } from '../schema/report.ts';
import { compareReports } from '../report/compare.ts';
import config from '../../syncwright.config.ts';

const usage = `usage: syncwright report [runId|path] [--compare <base report.json>]

Prints the summary of a run (default: reports/latest) and the path of its index.html.
With --compare, prints per-metric deltas against a baseline report.json and exits 1 on a
regression beyond the budgets in syncwright.config.ts (latency growth, new failures, missed
planted bugs, load throughput and loss).`;

async function load(ref: string): Promise<{ file: string; report: Report }> {
  const candidates = [ref, path.join(ref, 'report.json'), path.join('reports', ref, 'report.json')];
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

export const command: Command = {
  name: 'report',
  summary: 'summarise or compare runs',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { compare: { type: 'string' } }, true);
    const { file, report } = await load(positionals[0] ?? 'reports/latest');
    const s = report.summary;
    console.log(`run ${report.runId} (${report.target.kind}): ${s.ok ? 'PASS' : 'FAIL'}`);
    console.log(`  scenarios: ${s.passed} passed, ${s.failed} failed, ${s.flaky} flaky, ${s.skipped} skipped`);
    console.log(`  planted bugs: ${s.plantedCaught} caught, ${s.plantedMissed} missed`);
    if (s.latency) console.log(`  commit→DOM: p50 ${s.latency.p50} ms, p95 ${s.latency.p95} ms, max ${s.latency.max} ms over ${s.latency.count} samples (budget p95 ≤ ${report.budget.p95}, max ≤ ${report.budget.max})`);
    for (const l of report.load) console.log(`  load ${l.name} (${l.size}): ${l.passed ? 'passed' : 'FAILED'}`);
    for (const f of report.scenarios.filter((x) => x.status === 'failed')) console.log(`  FAILED ${f.title}`);
    console.log(`  ${path.join(path.dirname(file), 'index.html')}`);
    if (!values.compare) return s.ok ? 0 : 1;
    const base = await load(values.compare);
    const deltas = compareReports(base.report, report, config.compare);
    console.log(`\ncompared with ${base.report.runId}:`);
    const width = Math.max(...deltas.map((d) => d.metric.length), 10);
    for (const d of deltas) console.log(`  ${d.regression ? 'REGRESSION' : '          '} ${d.metric.padEnd(width)} ${String(d.base).padStart(10)} → ${String(d.now).padEnd(10)}`);
    const regressions = deltas.filter((d) => d.regression).length;
    console.log(regressions ? `${regressions} regression(s) beyond the budgets in syncwright.config.ts` : 'no regression beyond the budgets');
    return regressions ? 1 : 0;
  },
};
