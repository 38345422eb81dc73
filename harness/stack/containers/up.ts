// `syncwright up --provider testcontainers`: Supabase's Postgres image and the real Realtime server
// in Docker, our migrations in the Postgres, the API gateway (gateway.ts) in front of Realtime at
// the stack's supabaseUrl, and the reference app and worker on this machine as with the local
// provider. stack.json then points at the real server, so the same scenarios check our own.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { StackInfo } from '../../schema/stack.ts';
import { DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY } from '../keys.ts';
import { JWKS_PATH, isAsymmetric } from '../signing.ts';
import { freePort } from '../ports.ts';
import { applyMigrations, applySeed } from '../migrate.ts';
import { beginBoot, onFreshPort, startClients, stackUsers, type BootOptions, type Stack } from '../up.ts';
import { requireDocker, type DockerProbe } from './docker.ts';
import { REALTIME_PORT, supabaseContainers, type SupabaseContainers } from './config.ts';
import { startGateway } from './gateway.ts';
import { ROOT } from '../../root.ts';

export interface ContainerBootOptions extends Omit<BootOptions, 'realtimeProfile' | 'postgres'> {
  /** How Docker is looked for (tests hand in one that finds none). */
  dockerProbe?: DockerProbe;
}

/** What `up` needs of a booted stack, whichever the provider: a local stack less its own processes. */
export type ContainerStack = Omit<Stack, 'postgres' | 'realtime'>;

async function asSuperuser(dbUrl: string, run: (c: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

/** The seeded tenant takes config.toml's limits; no row updated means the seed did not run as expected. */
async function applyTenantLimits(config: SupabaseContainers): Promise<void> {
  await asSuperuser(config.dbUrl, async (c) => {
    for (const q of config.tenantSql) {
      const { rowCount } = await c.query(q.text, q.values);
      if (rowCount !== 1) throw new Error(`the Realtime container did not seed its tenant as expected (${rowCount} rows for: ${q.text.split('\n')[0]})`);
    }
  });
}

export async function bootContainerStack(opts: ContainerBootOptions = {}): Promise<ContainerStack> {
  const ctx = await beginBoot(opts, () => requireDocker(opts.dockerProbe));
  const { progress, log, phase, ports, stops, keys, jwtSecret, limits, apiKeys } = ctx;
  try {
    const config = supabaseContainers({
      dbPort: ports.db, jwtSecret, jwks: isAsymmetric(keys.alg) ? keys.jwks : undefined, limits,
      secretKeyBase: randomBytes(48).toString('base64'),
      migrationsDir: path.join(ROOT, 'supabase/migrations'), seedFile: path.join(ROOT, 'supabase/seed.sql'),
    });
    const { startNetwork, startPostgresContainer, startRealtimeContainer } = await import('./start.ts');
    const { network, stopNetwork } = await startNetwork();
    stops.push(stopNetwork);

    progress(`starting ${config.postgres.image} on 127.0.0.1:${ports.db} (pulled on first use)`);
    const postgres = await startPostgresContainer(config, network, log);
    stops.push(() => postgres.stop());
    await asSuperuser(config.dbUrl, async (c) => { await c.query(config.bootstrapSql); });
    phase('postgres container');

    progress(`starting ${config.realtime.image} (pulled on first use)`);
    const realtime = await startRealtimeContainer(config, network, log);
    stops.push(() => realtime.stop());
    await applyTenantLimits(config);
    phase('realtime container');

    const { applied } = await applyMigrations(config.dbUrl, config.migrations.dir, { realtimeSchema: config.migrations.realtimeSchema });
    await applySeed(config.dbUrl, config.migrations.seed);
    phase(`migrations (${applied.length}) + seed`);

    progress(`API gateway to the Realtime container on 127.0.0.1:${ports.api}`);
    const upstream = realtime.url(REALTIME_PORT);
    const startGw = () => startGateway({ port: ports.api, upstream, tenantHost: config.tenantHost, apiKeys, jwks: keys.jwks, onLog: log });
    const gateway = await onFreshPort(opts.portBase, startGw, async () => {
      ports.api = await freePort();
      progress(`port taken meanwhile; API gateway on 127.0.0.1:${ports.api}`);
    });
    stops.push(() => gateway.stop());

    const crashes: Promise<string>[] = [postgres.crashed, realtime.crashed];
    const { app, workers } = await startClients(ctx, opts, config.dbUrl, gateway.url, crashes);

    const info = StackInfo.parse({
      supabaseUrl: gateway.url, anonKey: ctx.anonKey, serviceRoleKey: ctx.serviceRoleKey, jwtSecret, dbUrl: config.dbUrl,
      jwtAlg: keys.alg, jwksUrl: `${gateway.url}${JWKS_PATH}`, ...(keys.privateJwk ? { jwtSigningKey: keys.privateJwk } : {}),
      publishableKey: DEFAULT_PUBLISHABLE_KEY, secretKey: DEFAULT_SECRET_KEY,
      ...(app ? { appUrl: app.url } : {}), users: await stackUsers(keys), provider: 'testcontainers',
      containers: {
        postgres: { image: postgres.image, id: postgres.id },
        realtime: { image: realtime.image, id: realtime.id, url: upstream },
      },
      ports, dataDir: ctx.dataDir, pid: process.pid, pids: app ? { app: app.pid } : {},
    });
    ctx.done();
    let stopped: Promise<void> | undefined;
    return {
      info, ports, app, workers, timings: ctx.timings,
      crashed: Promise.race(crashes),
      stop: () => (stopped ??= ctx.stopAll(true)),
    };
  } catch (err) {
    await ctx.stopAll(false);
    throw err;
  }
}
