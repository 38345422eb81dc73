// Running one k6 script: the process, the server's RSS/CPU sampled meanwhile, and what its JSON
// output says per second and per user.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { k6Path } from '../setup/k6.ts';
import { summarize } from '../history/budget.ts';
import { thresholdsEnv, type LoadScript } from './thresholds.ts';
import { ROOT } from '../root.ts';


export interface Summary { metrics: Record<string, { values: Record<string, number> }> }
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

export interface K6Run { exit: number; summary: Summary; points: string; /** k6's own CPU seconds: near 2 per second here means the generator, not the server, was the limit. */ k6CpuS: number }

/** Runs k6/<script>.ts with its config and thresholds; resolves once k6 has exited and written its summary. */
export async function runK6(script: LoadScript, configPath: string, summaryPath: string, pointsPath: string): Promise<K6Run> {
  const k6 = spawn(k6Path(), ['run', '--quiet', '--no-usage-report', '--out', `json=${pointsPath}`, path.join(ROOT, `k6/${script}.ts`)], {
    env: { ...process.env, SW_LOAD_CONFIG: configPath, ...thresholdsEnv(script) }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  // A k6 that cannot start (removed since setup, not executable) is a one-line error, not a crash.
  const failed = new Promise<never>((_, reject) => k6.once('error', (e) => reject(new Error(`cannot run k6 at ${k6Path()} (${e.message}); run syncwright setup`))));
  const own = sampler(k6.pid);
  const exit = await Promise.race([new Promise<number>((r) => k6.once('exit', (c) => r(c ?? 1))), failed]).catch((err: unknown) => {
    own.stop();
    throw err;
  });
  const k6CpuS = own.stop().cpuS;
  const summary = JSON.parse(await readFile(summaryPath, 'utf8').catch(() => '{"metrics":{}}')) as Summary;
  return { exit, summary, points: await readFile(pointsPath, 'utf8').catch(() => ''), k6CpuS };
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
