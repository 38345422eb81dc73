import path from 'node:path';
import { spawnChild, TSX_NODE_ARGS, type Child } from './children.ts';
import type { WorkerHandle } from './up.ts';
import { ROOT } from '../root.ts';


export interface WorkerOptions {
  dbUrl: string;
  dataDir: string;
  id: string;
  env?: Record<string, string>;
  onLog?: (line: string) => void;
}

/** The reference worker as its own process, so a fault can kill it mid-run. */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  let child: Child;
  let stopping = false;
  let onCrash: (why: string) => void = () => {};
  const crashed = new Promise<string>((resolve) => { onCrash = resolve; });
  const launch = () => new Promise<void>((resolve, reject) => {
    let ready = false;
    child = spawnChild({
      name: opts.id,
      command: process.execPath,
      args: [...TSX_NODE_ARGS, path.join(ROOT, 'reference/worker/main.ts')],
      cwd: ROOT,
      env: {
        DATABASE_URL: opts.dbUrl, SYNCWRIGHT_DATA_DIR: opts.dataDir, WORKER_ID: opts.id,
        LEASE_MS: process.env.LEASE_MS ?? '3000', ...opts.env,
      },
      onLog: (line) => {
        if (!ready && line.includes('worker ready')) {
          ready = true;
          resolve();
        }
        opts.onLog?.(line);
      },
    });
    const mine = child;
    void mine.exited.then((code) => {
      if (!ready) reject(new Error(`worker ${opts.id} exited with code ${code} before it was ready`));
      else if (!stopping && mine === child) onCrash(`worker ${opts.id} exited with code ${code}`);
    });
  });
  await launch();
  return {
    id: opts.id,
    get pid() { return child.pid; },
    crashed,
    async stop() { stopping = true; await child.stop(); },
    // A deliberate kill (a fault) is not a crash.
    kill(signal: NodeJS.Signals = 'SIGKILL') { stopping = true; child.kill(signal); },
    async restart() { stopping = true; await child.stop(); stopping = false; await launch(); },
  };
}
