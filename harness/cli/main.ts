import { UsageError, type Command } from './command.ts';

// Lazy so that `syncwright report` does not load Playwright or pg.
const commands: Record<string, () => Promise<{ command: Command }>> = {
  up: () => import('./up.ts'),
  setup: () => import('./setup.ts'),
  run: () => import('./run.ts'),
  repro: () => import('./repro.ts'),
  explore: () => import('./explore.ts'),
  load: () => import('./load.ts'),
  report: () => import('./report.ts'),
  bench: () => import('./bench.ts'),
};

function help(): string {
  return [
    'usage: syncwright <command> [flags]',
    '',
    'commands:',
    '  up       boot Postgres, the Realtime server (ours, or the real one in Docker: --provider testcontainers),',
    '           the reference app and worker; write .syncwright/stack.json',
    '  setup    install what runs need: Debian chromium, the real k6 (built with go install)',
    '  run      run the conformance scenarios and write a report',
    '  repro    replay one scenario or a seeded random run',
    '  explore  run the random workload for a time budget; shrink failures into regression specs',
    '  load     run a k6 load script (fanout, throttle) against the stack',
    '  report   summarise a run, compare it against a baseline report.json, or merge the reports of run --shard',
    '  bench    run the benchmarks (latency, boot, checkers, segments)',
    '',
    "Run 'syncwright <command> --help' for a command's flags.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`syncwright: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`syncwright ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    // A failure the command could name: one line, not a stack (SYNCWRIGHT_DEBUG=1 for the stack).
    console.error(`syncwright ${name}: ${(err as Error).message}`);
    if (process.env.SYNCWRIGHT_DEBUG) console.error((err as Error).stack);
    return 1;
  }
}
