import net from 'node:net';

export type FaultKind = 'cut' | 'stall' | 'latency' | 'bandwidth' | 'reset';
export interface FaultEvent { kind: FaultKind; phase: 'start' | 'end'; time: number; target: string; detail?: unknown }

export interface FaultProxy {
  port: number;
  url: string;
  /** Close every open connection and refuse new ones until heal(). */
  cut(): void;
  /** Accept and hold bytes both ways; deliver them, in order, on heal(). */
  stall(): void;
  /** Delay every chunk by ms (± jitter), order kept. */
  latency(ms: number, jitterMs?: number): void;
  bandwidth(bytesPerSecond: number): void;
  /** RST every open connection, keep accepting. */
  reset(): void;
  heal(): void;
  stop(): Promise<void>;
  stats(): { open: number; accepted: number; bytes: number };
}

interface Pipe { client: net.Socket; server: net.Socket }

/**
 * A TCP proxy between one browser context and a server. Real disconnects need it: Chromium's
 * setOffline does not close an open WebSocket, it only holds its frames.
 */
export async function startFaultProxy(opts: {
  target: { host?: string; port: number }; listenPort?: number; onFault?: (e: FaultEvent) => void;
}): Promise<FaultProxy> {
  const host = opts.target.host ?? '127.0.0.1';
  const target = `${host}:${opts.target.port}`;
  const pipes = new Set<Pipe>();
  let refusing = false;
  let stalled = false;
  let delay = 0;
  let jitter = 0;
  let bps = 0;
  let accepted = 0;
  let bytes = 0;
  const held: (() => void)[] = [];
  const active = new Map<FaultKind, unknown>();
  const emit = (kind: FaultKind, phase: 'start' | 'end', detail?: unknown) => opts.onFault?.({ kind, phase, time: Date.now(), target, detail });

  // Each direction is a chain of promises so latency and stalls never reorder bytes.
  function forward(from: net.Socket, to: net.Socket): void {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      from.pause();
      chain = chain.then(async () => {
        if (stalled) await new Promise<void>((r) => held.push(r));
        const wait = delay + (jitter ? Math.random() * jitter : 0) + (bps ? (chunk.length / bps) * 1000 : 0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (!to.destroyed) to.write(chunk);
      }).finally(() => { if (!from.destroyed) from.resume(); });
    });
    from.on('end', () => { chain = chain.then(() => { to.end(); }); });
  }

  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect({ host, port: opts.target.port });
    const pipe = { client, server: upstream };
    pipes.add(pipe);
    const close = () => {
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const release = () => {
    stalled = false;
    for (const r of held.splice(0)) r();
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cut() {
      refusing = true;
      active.set('cut', true);
      emit('cut', 'start');
      for (const p of [...pipes]) { p.client.destroy(); p.server.destroy(); }
    },
    stall() {
      stalled = true;
      active.set('stall', true);
      emit('stall', 'start');
    },
    latency(ms, jitterMs = 0) {
      delay = ms;
      jitter = jitterMs;
      active.set('latency', { ms, jitterMs });
      emit('latency', 'start', { ms, jitterMs });
    },
    bandwidth(bytesPerSecond) {
      bps = bytesPerSecond;
      active.set('bandwidth', bytesPerSecond);
      emit('bandwidth', 'start', { bytesPerSecond });
    },
    reset() {
      emit('reset', 'start');
      for (const p of [...pipes]) { p.client.resetAndDestroy(); p.server.destroy(); }
      emit('reset', 'end');
    },
    heal() {
      refusing = false;
      delay = 0;
      jitter = 0;
      bps = 0;
      release();
      for (const kind of active.keys()) emit(kind, 'end');
      active.clear();
    },
    async stop() {
      release();
      refusing = true;
      for (const p of [...pipes]) { p.client.destroy(); p.server.destroy(); }
      await new Promise<void>((r) => server.close(() => r()));
    },
    stats: () => ({ open: pipes.size, accepted, bytes }),
  };
}
