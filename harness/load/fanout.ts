import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { bootStack } from '../stack/up.ts';
import { mintUserToken } from '../stack/keys.ts';
import { k6Path } from '../setup/k6.ts';
import { summarize } from '../history/latency.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface FanoutSize { subscribers: number; users: number; writesPerSecond: number; durationS: number }
export const SIZES: Record<'smoke' | 'full', FanoutSize> = {
  smoke: { subscribers: 100, users: 10, writesPerSecond: 10, durationS: 20 },
  full: { subscribers: 2000, users: 50, writesPerSecond: 50, durationS: 60 },
};

export interface FanoutResult {
  size: FanoutSize; k6Exit: number; committed: number; expected: number; delivered: number; lost: number;
  latency: { p50: number; p95: number; p99: number; max: number }; rssMaxMb: number; cpuSeconds: number;
  series: { t: number; throughput: number; p50: number; p95: number; p99: number }[]; passed: boolean;
}

function procStat(pid: number): Promise<{ rssMb: number; cpuS: number } | undefined> {
  return Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]).then(([status, stat]) => {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMb: rss, cpuS: (Number(f[11]) + Number(f[12])) / 100 };
  }, () => undefined);
}

/** The report's view of a fan-out run. */
export function toLoadResult(r: FanoutResult, size: string) {
  return {
    name: 'fanout', size, passed: r.passed, series: r.series,
    metrics: { committed: r.committed, expected: r.expected, delivered: r.delivered, lost: r.lost, p50_ms: r.latency.p50, p95_ms: r.latency.p95, p99_ms: r.latency.p99, rss_max_mb: r.rssMaxMb, cpu_s: r.cpuSeconds },
  };
}

/** k6's JSON output → deliveries per second and latency percentiles per second. */
async function perSecond(file: string): Promise<FanoutResult['series']> {
  const buckets = new Map<number, number[]>();
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line.includes('"realtime_latency_ms"') || !line.includes('"Point"')) continue;
    const p = JSON.parse(line) as { data: { time: string; value: number } };
    const sec = Math.floor(Date.parse(p.data.time) / 1000);
    buckets.set(sec, [...(buckets.get(sec) ?? []), p.data.value]);
  }
  const secs = [...buckets.keys()].sort((a, b) => a - b);
  return secs.map((sec) => {
    const s = summarize(buckets.get(sec)!);
    return { t: sec - secs[0]!, throughput: s.count, p50: s.p50, p95: s.p95, p99: s.p99 };
  });
}

/** Boots its own stack (raised Realtime limits), creates load users, runs k6 while committing updates. */
export async function runFanout(sizeName: 'smoke' | 'full', progress: (s: string) => void): Promise<FanoutResult> {
  const size = SIZES[sizeName];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'syncwright-load-'));
  const configPath = path.join(tmp, 'config.toml');
  await writeFile(configPath, `[realtime]\nmax_events_per_second = 10000000\nmax_joins_per_second = 100000\nmax_concurrent_users = ${size.subscribers * 2}\nmax_channels_per_client = 100\n`);
  progress(`booting a stack for load (${size.subscribers} subscribers over ${size.users} users, ${size.writesPerSecond} commits/s for ${size.durationS} s)`);
  const stack = await bootStack({ portBase: 0, app: false, workers: 0, configPath, onProgress: () => {} });
  const db = new pg.Client(stack.info.dbUrl);
  await db.connect();
  try {
    const users: { id: string; token: string; file: string }[] = [];
    for (let i = 0; i < size.users; i++) {
      const id = randomUUID();
      await db.query('insert into auth.users (id, email) values ($1, $2)', [id, `load-${i}-${id.slice(0, 6)}@example.test`]);
      const f = await db.query(`insert into audio_files (user_id, name) values ($1, 'load.wav') returning id`, [id]);
      users.push({ id, token: await mintUserToken(stack.info.jwtSecret, { id, email: `load-${i}@example.test` }, 3600), file: f.rows[0].id });
    }
    const subsPerUser = users.map((_, u) => Array.from({ length: size.subscribers }, (__, v) => v % size.users).filter((x) => x === u).length);
    const summaryPath = path.join(tmp, 'k6-summary.json');
    const cfgPath = path.join(tmp, 'k6-config.json');
    const joinWaitMs = Math.min(8000, 1500 + size.subscribers * 3);
    // Subscribers stay until the last commit has had time to arrive: join wait + writing + a margin.
    const holdS = Math.ceil(joinWaitMs / 1000) + size.durationS + 3;
    await writeFile(cfgPath, JSON.stringify({ supabaseUrl: stack.info.supabaseUrl, anonKey: stack.info.anonKey, users, subscribers: size.subscribers, durationS: holdS, summaryPath }));
    const pointsPath = path.join(tmp, 'k6-points.jsonl');
    const k6 = spawn(k6Path(), ['run', '--quiet', '--out', `json=${pointsPath}`, path.join(ROOT, 'load/fanout.ts')], { env: { ...process.env, SW_LOAD_CONFIG: cfgPath }, stdio: ['ignore', 'inherit', 'inherit'] });
    const k6Exit = new Promise<number>((r) => k6.once('exit', (c) => r(c ?? 1)));
    // Let every subscriber join before the first commit, so "expected" is well defined.
    await new Promise((r) => setTimeout(r, joinWaitMs));
    const committed = new Array<number>(users.length).fill(0);
    const samples: { t: number; rssMb: number; cpuS: number }[] = [];
    const pid = stack.realtime.pid();
    const started = Date.now();
    const gap = 1000 / size.writesPerSecond;
    let n = 0;
    progress('committing updates');
    while (Date.now() - started < (size.durationS - 2) * 1000) {
      const u = n % users.length;
      await db.query(`update audio_files set name = $2 where id = $1`, [users[u]!.file, `load-${n}.wav`]);
      committed[u]!++;
      n++;
      if (n % size.writesPerSecond === 0) {
        const s = await procStat(pid);
        if (s) samples.push({ t: Math.round((Date.now() - started) / 1000), ...s });
      }
      const wait = started + n * gap - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const exit = await k6Exit;
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    const delivered = summary.metrics.realtime_delivered?.values.count ?? 0;
    const expected = committed.reduce((a, c, u) => a + c * subsPerUser[u]!, 0);
    const lat = summary.metrics.realtime_latency_ms?.values ?? {};
    const cpu = samples.length > 1 ? samples[samples.length - 1]!.cpuS - samples[0]!.cpuS : 0;
    const result: FanoutResult = {
      size, k6Exit: exit, committed: n, expected, delivered, lost: Math.max(0, expected - delivered),
      latency: { p50: lat.med ?? 0, p95: lat['p(95)'] ?? 0, p99: lat['p(99)'] ?? 0, max: lat.max ?? 0 },
      rssMaxMb: Math.round(Math.max(0, ...samples.map((s) => s.rssMb))), cpuSeconds: Math.round(cpu * 10) / 10,
      series: await perSecond(pointsPath),
      passed: exit === 0 && expected === delivered,
    };
    return result;
  } finally {
    await db.end();
    await stack.stop();
  }
}
