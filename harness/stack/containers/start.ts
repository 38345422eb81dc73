// Hands config.ts's container specs to testcontainers. Loaded only by the testcontainers provider,
// after the Docker check. Nothing here runs on a machine without Docker: what can be checked
// without it is config.ts and gateway.ts (their tests).
import type { Readable } from 'node:stream';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer, type WaitStrategy } from 'testcontainers';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import type { ContainerSpec, SupabaseContainers, WaitSpec } from './config.ts';

export interface RunningContainer {
  id: string;
  image: string;
  /** http://host:port of a container port as this machine reaches it. */
  url(containerPort: number): string;
  /** Resolves when the container stops without stop() having been asked for. */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

function waitOf(spec: WaitSpec): WaitStrategy {
  if (spec.kind === 'http') return Wait.forHttp(spec.path, spec.port).forStatusCode(spec.status);
  return Wait.forAll([Wait.forHealthCheck(), Wait.forListeningPorts()]);
}

function configure<T extends GenericContainer>(c: T, spec: ContainerSpec, network: StartedNetwork, name: string, onLog: (line: string) => void, tail: string[], ended: () => void): T {
  c.withEnvironment(spec.env)
    .withCommand(spec.command)
    .withExposedPorts(...spec.ports.map((p) => (p.host === undefined ? p.container : { container: p.container, host: p.host })))
    .withNetwork(network)
    .withNetworkAliases(...spec.networkAliases)
    .withWaitStrategy(waitOf(spec.wait))
    .withStartupTimeout(spec.startupTimeoutMs)
    // Its log, as our own processes' (children.ts): every line to --verbose, the last ones kept for
    // the error when it does not start; the stream ends when the container stops.
    .withLogConsumer((stream: Readable) => {
      let buf = '';
      stream.on('data', (chunk: string | Buffer) => {
        buf += String(chunk);
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trimEnd();
          buf = buf.slice(nl + 1);
          tail.push(line);
          if (tail.length > 8) tail.shift();
          onLog(`[${name}] ${line}`);
        }
      });
      stream.on('end', ended);
    });
  if (spec.wait.kind === 'healthcheck') {
    const w = spec.wait;
    c.withHealthCheck({ test: w.test, interval: w.intervalMs, timeout: w.timeoutMs, retries: w.retries });
  }
  return c;
}

async function run(name: string, spec: ContainerSpec, make: (ended: () => void, tail: string[]) => GenericContainer): Promise<RunningContainer> {
  let stopping = false;
  let onCrash: (why: string) => void = () => {};
  const crashed = new Promise<string>((resolve) => { onCrash = resolve; });
  const tail: string[] = [];
  let started: StartedTestContainer;
  try {
    started = await make(() => { if (!stopping) onCrash(`the ${name} container (${spec.image}) stopped`); }, tail).start();
  } catch (err) {
    // testcontainers removes a container that did not become ready; its last lines say why.
    const why = (err instanceof Error ? err.message : String(err)).trim().split('\n')[0];
    const last = tail.length ? `; its last line: ${tail.at(-1)}` : '';
    throw new Error(`the ${name} container (${spec.image}) did not start: ${why}${last}; run with --verbose for its log`);
  }
  return {
    id: started.getId(),
    image: spec.image,
    url: (port) => `http://${started.getHost()}:${started.getMappedPort(port)}`,
    crashed,
    async stop() {
      stopping = true;
      await started.stop();
    },
  };
}

export interface StartedPlatform { network: StartedNetwork; stopNetwork(): Promise<void> }

export async function startNetwork(): Promise<StartedPlatform> {
  const network = await new Network().start();
  return { network, stopNetwork: async () => { await network.stop(); } };
}

export function startPostgresContainer(config: SupabaseContainers, network: StartedNetwork, onLog: (line: string) => void): Promise<RunningContainer> {
  const spec = config.postgres;
  return run('Postgres', spec, (ended, tail) => configure(
    // The module sets POSTGRES_USER/PASSWORD/DB from these: the image's own superuser and database.
    new PostgreSqlContainer(spec.image).withUsername(spec.user).withPassword(spec.password).withDatabase(spec.database),
    spec, network, 'postgres', onLog, tail, ended,
  ));
}

export function startRealtimeContainer(config: SupabaseContainers, network: StartedNetwork, onLog: (line: string) => void): Promise<RunningContainer> {
  const spec = config.realtime;
  return run('Realtime', spec, (ended, tail) => configure(new GenericContainer(spec.image), spec, network, 'realtime', onLog, tail, ended));
}
