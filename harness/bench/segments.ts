// One fan-out shape driven by 1 k6 process, then by 2 (execution segments, as k6-operator splits a
// test over pods), against one stack booted with limits that stay out of the way. Per run: deliveries
// per second of writing, loss, p99, and each k6 process's CPU seconds (read from /proc while it
// runs); each figure of the 2-segment runs as a ratio to the 1-segment runs of the same invocation
// (a shared machine drifts between invocations; the ratio is what is claimed). Runs alternate
// 1, 2, 1, 2, … so a drift lands on both.
//
//   env BENCH_SUBSCRIBERS (300), BENCH_USERS (10), BENCH_WRITES renames/s (30), BENCH_DURATION s (10),
//       BENCH_REPEAT runs per segment count (2), BENCH_SEGMENTS (1,2; the first is the baseline)
import { ensureK6 } from '../setup/k6.ts';
import { limitsFor, runFanout, type FanoutResult, type FanoutSize } from '../load/fanout.ts';
import { loadTarget } from '../load/target.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIZE: FanoutSize = { subscribers: env('BENCH_SUBSCRIBERS', 300), users: env('BENCH_USERS', 10), writesPerSecond: env('BENCH_WRITES', 30), durationS: env('BENCH_DURATION', 10) };
const RUNS = env('BENCH_REPEAT', 2);
const SEGMENTS = (process.env.BENCH_SEGMENTS ?? '1,2').split(',').map(Number);

interface Row { segments: number; deliveriesPerS: number; lost: number; p99: number; k6CpuS: number; perSegmentCpuS: number[]; serverCpuS: number }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const progress = (s: string) => process.stderr.write(`bench: ${s}\n`);
  await ensureK6(progress);
  const booted = await loadTarget({ ownStack: true, limits: limitsFor(SIZE) }, progress);
  // One stack for every run: runFanout stops its target, so it gets one whose stop leaves the stack up.
  const shared = { ...booted, stop: async () => {} };
  const rows: Row[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const segments of SEGMENTS) {
        progress(`run ${run + 1}/${RUNS}, ${segments} segment(s)`);
        const r: FanoutResult = await runFanout(SIZE, () => {}, { baseline: false, target: shared, segments });
        if (!r.passed) progress(`  this run did not pass its gate (lost ${r.lost}, p99 ${r.latency.p99} ms, k6 exits ${r.segments.map((s) => s.exit).join(', ')})`);
        rows.push({ segments, deliveriesPerS: r.deliveriesPerS, lost: r.lost, p99: r.latency.p99, k6CpuS: r.k6CpuS, perSegmentCpuS: r.segments.map((s) => s.k6CpuS), serverCpuS: r.cpuSeconds });
      }
    }
  } finally {
    await booted.stop();
  }
  console.log(`fan-out in k6 segments: ${SIZE.subscribers} subscribers over ${SIZE.users} users, ${SIZE.writesPerSecond} renames/s for ${SIZE.durationS} s, ${RUNS} run(s) each`);
  console.log(`${'segments'.padEnd(9)}${'deliveries/s'.padStart(13)}${'lost'.padStart(6)}${'p99 ms'.padStart(8)}${'k6 CPU-s'.padStart(10)}  per segment      server CPU-s`);
  for (const r of rows) {
    console.log(`${String(r.segments).padEnd(9)}${String(r.deliveriesPerS).padStart(13)}${String(r.lost).padStart(6)}${r.p99.toFixed(0).padStart(8)}${r.k6CpuS.toFixed(2).padStart(10)}  ${r.perSegmentCpuS.map((c) => c.toFixed(2)).join(' + ').padEnd(17)}${r.serverCpuS.toFixed(2)}`);
  }
  const of = (n: number) => rows.filter((r) => r.segments === n);
  const base = of(SEGMENTS[0]!);
  const b = { dps: median(base.map((r) => r.deliveriesPerS)), cpu: median(base.map((r) => r.k6CpuS)), seg: median(base.map((r) => mean(r.perSegmentCpuS))) };
  console.log(`medians as a ratio of ${SEGMENTS[0]} segment(s) (deliveries/s ${b.dps}, k6 CPU ${b.cpu.toFixed(2)} s, per segment ${b.seg.toFixed(2)} s):`);
  for (const n of SEGMENTS.slice(1)) {
    const x = of(n);
    const dps = median(x.map((r) => r.deliveriesPerS));
    const cpu = median(x.map((r) => r.k6CpuS));
    const seg = median(x.map((r) => mean(r.perSegmentCpuS)));
    console.log(`  ${n} segments: deliveries/s ×${(dps / b.dps).toFixed(2)}, k6 CPU in all ×${(cpu / b.cpu).toFixed(2)}, k6 CPU per segment ×${(seg / b.seg).toFixed(2)}`);
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
