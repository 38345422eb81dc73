import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseFlags, type Command } from './command.ts';
import { ROOT } from '../root.ts';

const BENCHES: Record<string, string> = {
  latency: 'harness/bench/latency.ts',
  boot: 'harness/bench/boot.ts',
  checkers: 'harness/bench/checkers.ts',
  segments: 'harness/bench/segments.ts',
};

const usage = `usage: syncwright bench [latency|boot|checkers|segments ...]

Runs benchmarks that print figures beside a baseline measured in the same run:
  latency  commit → supabase-js callback through our Realtime server vs a raw pgoutput consumer
           (env BENCH_UPDATES, default 1000; BENCH_RATE updates/s, default 200)
  boot     syncwright up cold boot to ready, per phase (env BENCH_RUNS, default 3)
  checkers the generic checkers on synthetic histories of 10k and 50k client operations, per
           checker, as a ratio to one JSON pass over the same history
  segments one fan-out shape driven by 1 k6 process, then by 2 execution segments (load --segments):
           deliveries/s and k6 CPU per segment as ratios to the 1-segment runs (env BENCH_SUBSCRIBERS
           300, BENCH_USERS 10, BENCH_WRITES 30, BENCH_DURATION 10, BENCH_REPEAT 2, BENCH_SEGMENTS 1,2)
With no name, runs all.`;

export const command: Command = {
  name: 'bench',
  summary: 'run the benchmarks',
  usage,
  async run(argv) {
    const { positionals } = parseFlags(argv, {}, true);
    const names = positionals.length ? positionals : Object.keys(BENCHES);
    for (const name of names) {
      const file = BENCHES[name];
      if (!file) {
        console.error(`syncwright bench: unknown benchmark '${name}' (one of ${Object.keys(BENCHES).join(', ')})`);
        return 2;
      }
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file)], { stdio: 'inherit', cwd: ROOT });
        child.once('error', (e) => { console.error(`syncwright bench: cannot run ${file}: ${e.message}`); resolve(1); });
        child.once('exit', (c) => resolve(c ?? 1));
      });
      if (code !== 0) return code;
    }
    return 0;
  },
};
