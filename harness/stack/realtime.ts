import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import type { ApiKeys } from '../realtime/gateway.ts';
import { spawnChild, waitForHealth, TSX_NODE_ARGS, type Child } from './children.ts';
import { ROOT } from '../root.ts';
import type { Profile } from '../realtime/profile.ts';


export interface RealtimeProcess {
  url: string;
  port: number;
  pid(): number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the current process dies without stop() having been asked for. */
  crashed: Promise<string>;
}

export interface RealtimeProcessOptions {
  port: number; dbUrl: string; jwtSecret: string; configPath?: string;
  /** The project's public JWKS and opaque API keys; written as files into `dir` for the child to read. */
  jwks?: { keys: JWK[] };
  apiKeys?: ApiKeys;
  dir?: string;
  /** --realtime-profile; the server's default when left out. */
  profile?: Profile;
  /** Extra environment, e.g. SYNCWRIGHT_RT_SUBSCRIBE_DELAY_MS. */
  env?: Record<string, string>;
  onLog?: (line: string) => void;
}

/** The Realtime server as its own process, so faults can restart or kill it. */
export async function startRealtimeProcess(opts: RealtimeProcessOptions): Promise<RealtimeProcess> {
  let child: Child;
  let stopping = false;
  let onCrash: (why: string) => void = () => {};
  const crashed = new Promise<string>((resolve) => { onCrash = resolve; });
  const url = `http://127.0.0.1:${opts.port}`;
  const fileArgs: string[] = [];
  for (const [flag, name, value] of [['--jwt-jwks', 'realtime-jwks.json', opts.jwks], ['--api-keys', 'realtime-api-keys.json', opts.apiKeys]] as const) {
    if (!value) continue;
    if (!opts.dir) throw new Error(`startRealtimeProcess: ${flag} needs a dir to write ${name} into`);
    const file = path.join(opts.dir, name);
    // Files, not arguments: a process list shows arguments to every user; the API keys are secrets.
    await writeFile(file, JSON.stringify(value), { mode: 0o600 });
    fileArgs.push(flag, file);
  }

  const launch = async () => {
    child = spawnChild({
      name: 'realtime',
      command: process.execPath,
      // SYNCWRIGHT_RT_NODE_ARGS: extra node flags for this process alone, e.g. `syncwright load --profile`'s --cpu-prof.
      args: [...(process.env.SYNCWRIGHT_RT_NODE_ARGS ?? '').split(' ').filter(Boolean), ...TSX_NODE_ARGS, path.join(ROOT, 'harness/realtime/main.ts'), '--port', String(opts.port), '--db-url', opts.dbUrl,
        '--jwt-secret', opts.jwtSecret, ...fileArgs, ...(opts.configPath ? ['--config', opts.configPath] : []),
        ...(opts.profile ? ['--realtime-profile', opts.profile] : [])],
      cwd: ROOT,
      env: opts.env,
      onLog: opts.onLog,
    });
    const mine = child;
    void mine.exited.then((code) => { if (!stopping && mine === child) onCrash(`realtime exited with code ${code}`); });
    await waitForHealth(`${url}/health`, child, 30_000, 'the Realtime server');
  };
  await launch();
  return {
    url,
    port: opts.port,
    pid: () => child.pid,
    crashed,
    async stop() { stopping = true; await child.stop(); },
    async restart() {
      stopping = true;
      await child.stop();
      stopping = false;
      await launch();
    },
    // A deliberate kill (a fault) is not a crash; restart() brings it back.
    kill(signal: NodeJS.Signals = 'SIGKILL') { stopping = true; child.kill(signal); },
  };
}
