import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { intFlag, oneOfFlag, parseFlags, UsageError, type Command } from './command.ts';
import { runPlaywright } from '../conformance/playwright.ts';
import { PLANTED_BUGS } from '../../reference/planted.ts';

const usage = `usage: syncwright repro <scenario> [--seed N] [--planted NAME] [--headed] [--trace on|off] [--repeat-each N]

Replays one scenario (a file name under scenarios/, e.g. 'conflict' or 'offline-queue'), or a
seeded random run: 'syncwright repro random --seed 1234' replays exactly the operations and
faults that seed generated. --planted runs it against the reference app with that planted bug on
(harness/conformance/catalogue.ts names the scenario that catches each), to watch it be caught.
--headed needs a display (e.g. xvfb-run).`;

export const command: Command = {
  name: 'repro',
  summary: 'replay one scenario or a seeded random run',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      seed: { type: 'string' }, planted: { type: 'string' }, headed: { type: 'boolean' }, trace: { type: 'string' }, 'repeat-each': { type: 'string' },
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
    if (values.planted !== undefined) env.SYNC_PLANTED = oneOfFlag('--planted', PLANTED_BUGS, values.planted);
    return runPlaywright([file, ...(values.headed ? ['--headed'] : []), ...(repeat ? ['--repeat-each', String(repeat)] : [])], env);
  },
};
