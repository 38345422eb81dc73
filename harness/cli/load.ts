import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseFlags, UsageError, type Command } from './command.ts';
import { runFanout, toLoadResult } from '../load/fanout.ts';
import { ensureK6 } from '../setup/k6.ts';
import { buildReport, newRunId, writeReport } from '../report/write.ts';
import config from '../../syncwright.config.ts';

const usage = `usage: syncwright load fanout [--full]

Runs a k6 load script (the real k6, built by 'syncwright setup') against a stack it boots:
  fanout   S subscribers speaking the Realtime protocol, spread over U users (RLS decides delivery),
           while the harness commits W updates/s. Gate: 0 lost, k6 thresholds (load/thresholds.ts).
           smoke: 100 subscribers, 10 users, 10 commits/s, 20 s; --full: 2000 × 50 commits/s, 60 s.
Writes reports/<runId>/ with the load section filled.`;

export const command: Command = {
  name: 'load',
  summary: 'k6 load tests',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { full: { type: 'boolean' } }, true);
    const name = positionals[0];
    if (name !== 'fanout') throw new UsageError(`unknown load script '${name ?? ''}' (available: fanout)`);
    const progress = (l: string) => process.stderr.write(`syncwright load: ${l}\n`);
    await ensureK6(progress);
    const startedAt = new Date();
    const size = values.full ? 'full' : 'smoke';
    const r = await runFanout(size, progress);
    console.log(`fanout (${size}): committed ${r.committed}, expected ${r.expected} deliveries, delivered ${r.delivered}, lost ${r.lost}`);
    console.log(`  latency commit→receive p50 ${r.latency.p50.toFixed(1)} ms, p95 ${r.latency.p95.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms; realtime RSS max ${r.rssMaxMb} MB, CPU ${r.cpuSeconds} s; k6 exit ${r.k6Exit}`);
    const report = buildReport({
      runId: newRunId(startedAt), startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), target: { kind: 'local' },
      budget: config.latencyBudget, scenarios: [], mutants: [],
      load: [toLoadResult(r, size)],
    });
    const dir = await writeReport(report);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'k6-fanout.json'), JSON.stringify(r, null, 2));
    console.log(`report: ${path.join(dir, 'index.html')}`);
    return r.passed ? 0 : 1;
  },
};
