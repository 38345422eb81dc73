import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves with the exit code when the process ends, for whatever reason. */
  exited: Promise<number | null>;
  stop(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  /** Its last log lines, for errors raised when nobody was printing them. */
  tail(): string[];
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  onLog?: (line: string) => void;
}

/** Spawns a long-running child with prefixed logs; stop() is SIGTERM, then SIGKILL after a timeout. */
export function spawnChild(opts: SpawnOptions): Child {
  const proc = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = opts.onLog ?? (() => {});
  const recent: string[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    let buf = '';
    stream?.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(`[${opts.name}] ${line}`);
        buf = buf.slice(nl + 1);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    proc.once('error', (err) => { log(`[${opts.name}] ${err.message}`); resolve(-1); });
  });
  return {
    name: opts.name,
    pid: proc.pid ?? -1,
    process: proc,
    exited,
    tail: () => [...recent],
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    async stop(timeoutMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls an HTTP URL until it answers 2xx, the child dies, or the timeout passes. */
export async function waitForHealth(url: string, child: Child | undefined, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  let died = false;
  void child?.exited.then(() => { died = true; });
  let last = '';
  while (Date.now() - start < timeoutMs) {
    if (died) {
      const tail = child?.tail().slice(-8).map((l) => `  | ${l}`).join('\n');
      throw new Error(`${what} exited during start-up${tail ? `; its last lines:\n${tail}` : ''}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not become healthy at ${url} within ${timeoutMs} ms (last: ${last})`);
}

export const TSX_NODE_ARGS = ['--import', 'tsx'];
