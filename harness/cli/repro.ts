import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { intFlag, oneOfFlag, parseFlags, UsageError, type Command } from './command.ts';
import { runPlaywright } from '../conformance/playwright.ts';
import { PLANTED_BUGS } from '../../reference/planted.ts';
import { DEFAULT_OPS } from '../workload/settings.ts';
import { DEFAULT_CLIENTS } from '../workload/ops.ts';

const usage = `usage: syncwright repro <scenario> [--seed N] [--planted NAME] [--headed] [--trace on|off] [--repeat-each N]
                        [--ops N] [--clients N] [--process-faults] [--steps N]

Replays one scenario (a file name under scenarios/, e.g. 'conflict' or 'offline-queue'), or a
seeded random run: 'syncwright repro random --seed 1234' replays exactly the operations and
faults that seed generated. --planted runs it against the reference app with that planted bug on
(harness/conformance/catalogue.ts names the scenario that catches each), to watch it be caught.
--headed needs a display (e.g. xvfb-run).

A random run's seed generates the same operations only with the same settings; the replay line a
failing run prints names those that differ from the defaults:
  --ops N            operations the run had at most (default ${DEFAULT_OPS}; explore's runs have more)
  --clients N        browser profiles, 4 to 8 (default ${DEFAULT_CLIENTS})
  --process-faults   the run restarted Realtime and Postgres too (a stack of its own)
  --steps N          only the first N operations: a time-limited explore run got that far`;

/** The flags only a random run takes, and the setting each sets (harness/workload/settings.ts reads them). */
const RANDOM_ONLY = ['ops', 'clients', 'process-faults', 'steps'] as const;

export const command: Command = {
  name: 'repro',
  summary: 'replay one scenario or a seeded random run',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      seed: { type: 'string' }, planted: { type: 'string' }, headed: { type: 'boolean' }, trace: { type: 'string' }, 'repeat-each': { type: 'string' },
      ops: { type: 'string' }, clients: { type: 'string' }, 'process-faults': { type: 'boolean' }, steps: { type: 'string' },
    }, true);
    const name = positionals[0];
    if (!name) throw new UsageError('name a scenario (e.g. conflict, offline-queue, random)');
    const file = path.join('scenarios', `${name.replace(/\.spec\.ts$/, '')}.spec.ts`);
    if (!existsSync(file)) {
      const known = readdirSync('scenarios').filter((f) => f.endsWith('.spec.ts')).map((f) => f.replace('.spec.ts', ''));
      throw new UsageError(`no scenario '${name}' (one of: ${known.join(', ')})`);
    }
    const seed = intFlag('seed', values.seed, 0, 2 ** 31 - 1);
    const repeat = intFlag('repeat-each', values['repeat-each'], 1, 100);
    if (values.trace && !['on', 'off'].includes(values.trace)) throw new UsageError(`--trace must be on or off, got '${values.trace}'`);
    const env: Record<string, string> = { SYNCWRIGHT_TRACE: values.trace ?? 'on' };
    if (seed !== undefined) env.SYNCWRIGHT_SEED = String(seed);
    const random = path.basename(file) === 'random.spec.ts';
    const misplaced = RANDOM_ONLY.find((f) => values[f] !== undefined);
    if (misplaced && !random) throw new UsageError(`--${misplaced} is for 'syncwright repro random' only`);
    const ops = intFlag('ops', values.ops, 1, 100_000);
    const clients = intFlag('clients', values.clients, 4, 8);
    const steps = intFlag('steps', values.steps, 1, 100_000);
    if (ops !== undefined) env.SYNCWRIGHT_RANDOM_OPS = String(ops);
    if (clients !== undefined) env.SYNCWRIGHT_CLIENTS = String(clients);
    if (steps !== undefined) env.SYNCWRIGHT_RANDOM_STEPS = String(steps);
    if (values['process-faults']) env.SYNCWRIGHT_PROCESS_FAULTS = '1';
    if (values.planted !== undefined) env.SYNC_PLANTED = oneOfFlag('--planted', PLANTED_BUGS, values.planted);
    return runPlaywright([file, ...(values.headed ? ['--headed'] : []), ...(repeat ? ['--repeat-each', String(repeat)] : [])], env);
  },
};
