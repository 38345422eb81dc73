// Running one k6 script, in one k6 process or spread over several by execution segments: the
// processes, the server's RSS/CPU sampled meanwhile, and what their JSON output says per second and
// per user.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { k6Path } from '../setup/k6.ts';
import { summarize } from '../history/budget.ts';
import { thresholdsEnv, type LoadScript } from './thresholds.ts';
import { ROOT } from '../root.ts';
import { mergeSummaries, type Summary } from './merge.ts';
import { segmentArgs } from './segments.ts';


export interface Sample { t: number; rssMb: number; cpuS: number }
export interface SeriesPoint { t: number; throughput: number; p50: number; p95: number; p99: number }

export function procStat(pid: number): Promise<{ rssMb: number; cpuS: number } | undefined> {
  return Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]).then(([status, stat]) => {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMb: rss, cpuS: (Number(f[11]) + Number(f[12])) / 100 };
  }, () => undefined);
}

/** Samples a process once a second until stopped: max RSS and CPU seconds used in between. */
export function sampler(pid: number | undefined): { startedAt: number; stop(): { rssMaxMb: number; cpuS: number; samples: Sample[] } } {
  const samples: Sample[] = [];
  const started = Date.now();
  const take = () => void (pid === undefined ? Promise.resolve(undefined) : procStat(pid)).then((s) => { if (s) samples.push({ t: Math.round((Date.now() - started) / 1000), ...s }); });
  take();
  const timer = setInterval(take, 1000);
  return {
    startedAt: started,
    stop() {
      clearInterval(timer);
      const cpu = samples.length > 1 ? samples[samples.length - 1]!.cpuS - samples[0]!.cpuS : 0;
      return { rssMaxMb: Math.round(Math.max(0, ...samples.map((s) => s.rssMb))), cpuS: Math.round(cpu * 100) / 100, samples };
    },
  };
}

export interface K6Run {
  /** 0 when every process passed its thresholds; else the first failing process's code. */
  exit: number;
  /** One summary for the test: the processes' summaries merged (merge.ts). */
  summary: Summary;
  /** Every process's JSON output, one after the other. */
  points: string;
  /** k6's own CPU seconds, all processes: near 2 per second here means the generator, not the server, was the limit. */
  k6CpuS: number;
  /** Per execution segment (one for a plain run): its exit code and its k6 process's CPU seconds. */
  segments: { exit: number; k6CpuS: number }[];
}

/** `file` with `-<i>` before its extension: where segment i of several keeps its own output. */
export function segmentFile(file: string, index: number, total: number): string {
  if (total === 1) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${index}${ext}`;
}

/** One k6 process: resolves once it has exited, with its CPU seconds. */
async function k6Process(args: string[], env: NodeJS.ProcessEnv): Promise<{ exit: number; k6CpuS: number }> {
  const k6 = spawn(k6Path(), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  // A k6 that cannot start (removed since setup, not executable) is a one-line error, not a crash.
  const failed = new Promise<never>((_, reject) => k6.once('error', (e) => reject(new Error(`cannot run k6 at ${k6Path()} (${e.message}); run syncwright setup`))));
  const own = sampler(k6.pid);
  const exit = await Promise.race([new Promise<number>((r) => k6.once('exit', (c) => r(c ?? 1))), failed]).catch((err: unknown) => {
    own.stop();
    throw err;
  });
  return { exit, k6CpuS: own.stop().cpuS };
}

/**
 * Runs k6/<script>.ts with its config and thresholds; resolves once k6 has exited and written its
 * summary. With `segments` > 1 it starts that many k6 processes at once, each on its execution
 * segment (segments.ts) with its own copy of the config whose summaryPath is `summaryPath` with
 * `-<i>` (its points likewise), and merges what they wrote into one run.
 */
export async function runK6(script: LoadScript, configPath: string, summaryPath: string, pointsPath: string, opts: { segments?: number } = {}): Promise<K6Run> {
  const total = opts.segments ?? 1;
  const config = total > 1 ? JSON.parse(await readFile(configPath, 'utf8')) as { summaryPath?: string } : {};
  if (total > 1 && config.summaryPath !== summaryPath) throw new Error(`${configPath} writes its summary to ${config.summaryPath}, not ${summaryPath}`);
  const parts = await Promise.all(Array.from({ length: total }, async (_, i) => {
    const index = i + 1;
    const own = { config: segmentFile(configPath, index, total), summary: segmentFile(summaryPath, index, total), points: segmentFile(pointsPath, index, total) };
    if (total > 1) await writeFile(own.config, JSON.stringify({ ...config, summaryPath: own.summary }));
    const args = ['run', '--quiet', '--no-usage-report', ...segmentArgs(index, total), '--out', `json=${own.points}`, path.join(ROOT, `k6/${script}.ts`)];
    const run = await k6Process(args, { SW_LOAD_CONFIG: own.config, ...thresholdsEnv(script) });
    const summary = JSON.parse(await readFile(own.summary, 'utf8').catch(() => '{"metrics":{}}')) as Summary;
    return { ...run, summary, points: await readFile(own.points, 'utf8').catch(() => '') };
  }));
  return {
    exit: parts.find((p) => p.exit !== 0)?.exit ?? 0,
    summary: mergeSummaries(parts),
    points: parts.map((p) => p.points).join('\n'),
    k6CpuS: Math.round(parts.reduce((a, p) => a + p.k6CpuS, 0) * 100) / 100,
    segments: parts.map((p) => ({ exit: p.exit, k6CpuS: p.k6CpuS })),
  };
}

/**
 * `k6 archive` of k6/<script>.ts: one tar with the script, every module it imports, the config it
 * opens and its environment (SW_LOAD_CONFIG, the thresholds), which runs as it is anywhere
 * (`k6 run archive.tar`, a k6-operator runner). Nothing is run.
 */
export async function archiveK6(script: LoadScript, configPath: string, out: string): Promise<void> {
  const env = { SW_LOAD_CONFIG: configPath, ...thresholdsEnv(script) };
  const args = ['archive', '--quiet', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), '-O', out, path.join(ROOT, `k6/${script}.ts`)];
  const k6 = spawn(k6Path(), args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number>((resolve, reject) => {
    k6.once('error', (e) => reject(new Error(`cannot run k6 at ${k6Path()} (${e.message}); run syncwright setup`)));
    k6.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`k6 archive of k6/${script}.ts failed with code ${code}`);
}

interface Point { metric: string; type: string; data: { time: string; value: number; tags?: Record<string, string> } }

function* points(text: string, metric: string): Generator<Point['data']> {
  const needle = `"metric":"${metric}"`;
  for (const line of text.split('\n')) {
    if (!line.includes(needle) || !line.includes('"Point"')) continue;
    yield (JSON.parse(line) as Point).data;
  }
}

/** A counter's total per value of one tag (e.g. deliveries per user). */
export function countBy(text: string, metric: string, tag: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of points(text, metric)) {
    const key = p.tags?.[tag] ?? '';
    out.set(key, (out.get(key) ?? 0) + p.value);
  }
  return out;
}

/** Samples → the report's resource series: RSS and CPU % of one core between samples. */
export function resources(samples: Sample[]): { t: number; rssMb: number; cpuPct: number }[] {
  return samples.slice(1).map((s, i) => {
    const prev = samples[i]!;
    const dt = Math.max(1, s.t - prev.t);
    return { t: s.t, rssMb: Math.round(s.rssMb), cpuPct: Math.round(((s.cpuS - prev.cpuS) / dt) * 100) };
  });
}

/** A trend's samples → count and percentiles per second, t in seconds since `originMs`. */
export function perSecond(text: string, metric: string, originMs: number): SeriesPoint[] {
  const buckets = new Map<number, number[]>();
  for (const p of points(text, metric)) {
    const sec = Math.floor(Date.parse(p.time) / 1000);
    const b = buckets.get(sec);
    if (b) b.push(p.value);
    else buckets.set(sec, [p.value]);
  }
  const secs = [...buckets.keys()].sort((a, b) => a - b);
  const origin = Math.floor(originMs / 1000);
  return secs.map((sec) => {
    const s = summarize(buckets.get(sec)!);
    return { t: sec - origin, throughput: s.count, p50: s.p50, p95: s.p95, p99: s.p99 };
  });
}
