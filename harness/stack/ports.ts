import net from 'node:net';

export interface Ports { api: number; db: number; app: number; worker: number }

// Supabase CLI defaults for API and DB; Next's for the app.
export const DEFAULT_PORTS: Ports = { api: 54321, db: 54322, app: 3000, worker: 54329 };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

/**
 * undefined → the defaults; 0 → free ports picked by the OS (parallel runs never collide);
 * N → N, N+1, N+2, N+3 for api, db, app, worker.
 */
export async function resolvePorts(portBase: number | undefined): Promise<Ports> {
  if (portBase === undefined) return { ...DEFAULT_PORTS };
  if (portBase === 0) return { api: await freePort(), db: await freePort(), app: await freePort(), worker: await freePort() };
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65532) {
    throw new Error(`--port-base must be 0 or an integer from 1024 to 65532, got ${portBase}`);
  }
  return { api: portBase, db: portBase + 1, app: portBase + 2, worker: portBase + 3 };
}
