// `syncwright up` cold boot to ready, per phase, over a few runs (target ≤ 3 s without the app build).
import { bootStack } from '../stack/up.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function main(): Promise<void> {
  const rows: Map<string, number[]> = new Map();
  for (let i = 0; i < RUNS; i++) {
    const stack = await bootStack({ portBase: 0, onProgress: () => {} });
    for (const [name, ms] of stack.timings) {
      const key = name.replace(/\s*\(.*\)$/, '');
      rows.set(key, [...(rows.get(key) ?? []), ms]);
    }
    await stack.stop();
    process.stderr.write(`bench: boot ${i + 1}/${RUNS}\n`);
  }
  console.log(`syncwright up cold boot to ready, ms (${RUNS} runs; app build excluded when cached)`);
  console.log(`${'phase'.padEnd(24)} ${'min'.padStart(7)} ${'median'.padStart(7)} ${'max'.padStart(7)}`);
  for (const [name, list] of rows) {
    const s = [...list].sort((a, b) => a - b);
    console.log(`${name.padEnd(24)} ${String(s[0]).padStart(7)} ${String(s[Math.floor(s.length / 2)]).padStart(7)} ${String(s[s.length - 1]).padStart(7)}`);
  }
  const total = [...(rows.get('total') ?? [])].sort((a, b) => a - b);
  console.log(`median total ${total[Math.floor(total.length / 2)]} ms (target ≤ 3000 ms)`);
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
