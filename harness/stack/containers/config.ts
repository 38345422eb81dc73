// The configuration builder of `syncwright up --provider testcontainers`: what the two containers
// are (image, environment, command, ports, wait) and what is run against them, as plain data from
// our own settings. Pure, so every value is unit-tested here where Docker is absent; start.ts only
// hands it to testcontainers.
//
// Sources (supabase/realtime at v2.129.8 unless said): config/runtime.exs (environment), run.sh
// (migrations, then the self-host seed, then the server), priv/repo/seeds.exs (the tenant
// `realtime-dev` and its postgres_cdc_rls settings), lib/realtime/database.ex `get_external_id`
// (the tenant is the Host header's first label), compose.yml and compose.dbs.yml (how the repo runs
// itself against supabase/postgres); supabase/supabase docker/docker-compose.yml and
// volumes/db/realtime.sql (the self-hosted setup: `_realtime` schema, env values); supabase/postgres
// Dockerfile-17 (POSTGRES_USER=supabase_admin, the image's superuser) and migrate.sh (its password
// is POSTGRES_PASSWORD).
import path from 'node:path';
import type { JWK } from 'jose';
import type { Limits } from '../../realtime/limits.ts';
import { publicJwks } from '../../realtime/gateway.ts';

// Pinned: the Realtime release whose source docs/realtime-fidelity.md was checked against, and the
// Postgres image that release's own CI and compose files run against.
export const POSTGRES_IMAGE = 'supabase/postgres:17.6.1.127';
export const REALTIME_IMAGE = 'supabase/realtime:v2.129.8';

/** The tenant the self-host seed creates (SELF_HOST_TENANT_NAME's default, set explicitly below). */
export const TENANT_ID = 'realtime-dev';
/** Postgres's name on the containers' network, for Realtime (and the tenant it seeds) to reach it by. */
export const DB_ALIAS = 'db';
const DB_CONTAINER_PORT = 5432;
export const REALTIME_PORT = 4000;
// The image's superuser (POSTGRES_USER in its Dockerfile); Realtime, our migrations and the app use
// it, as the local stack uses its superuser `postgres`.
const DB_USER = 'supabase_admin';
// The Supabase CLI's local password, as the local stack's.
const DB_PASSWORD = 'postgres';
const DB_NAME = 'postgres';

export type WaitSpec =
  /** The container's health check passes and its ports listen. */
  | { kind: 'healthcheck'; test: ['CMD-SHELL', string]; intervalMs: number; timeoutMs: number; retries: number }
  /** An HTTP GET on a container port answers `status`. */
  | { kind: 'http'; path: string; port: number; status: number };

export interface ContainerSpec {
  image: string;
  env: Record<string, string>;
  command: string[];
  /** Container ports; with `host`, published on that host port, else on a free one. */
  ports: { container: number; host?: number }[];
  networkAliases: string[];
  wait: WaitSpec;
  startupTimeoutMs: number;
}

export interface ContainerConfigInput {
  /** The host port Postgres is published on: stack.json's ports.db. */
  dbPort: number;
  /** Signs the keys and tokens (HS algs); Realtime's API_JWT_SECRET. */
  jwtSecret: string;
  /** The project's JWKS for RS256, ES256, EdDSA (only its public members are used); none for HS algs. */
  jwks?: { keys: JWK[] };
  /** config.toml's [realtime] limits, applied to the seeded tenant. */
  limits: Limits;
  /** Phoenix's SECRET_KEY_BASE (64 characters or more); the caller makes a fresh one per boot. */
  secretKeyBase: string;
  /** The repository's supabase/migrations and supabase/seed.sql. */
  migrationsDir: string;
  seedFile: string;
}

export interface SupabaseContainers {
  postgres: ContainerSpec & { user: string; password: string; database: string };
  realtime: ContainerSpec;
  /** How this machine reaches Postgres: the app, the worker, the migrations and stack.json use it. */
  dbUrl: string;
  /** Run as the superuser once Postgres is healthy and before Realtime starts: Realtime's own tables go in `_realtime`. */
  bootstrapSql: string;
  /**
   * Applied once Realtime has migrated its tenant (the order of `supabase start`: the platform's
   * schemas, then the project's migrations). Realtime makes the realtime schema, so ours is not.
   */
  migrations: { dir: string; seed: string; realtimeSchema: false };
  /** Each must update one row: the seeded tenant's limits from config.toml, which its seed and environment cannot set. */
  tenantSql: { text: string; values: (string | number)[] }[];
  /** The Host header the API gateway sends, so Realtime picks the seeded tenant (Kong sends its upstream's host). */
  tenantHost: string;
}

export function dbUrlFor(port: number): string {
  return `postgresql://${DB_USER}:${DB_PASSWORD}@127.0.0.1:${port}/${DB_NAME}`;
}

export function supabaseContainers(input: ContainerConfigInput): SupabaseContainers {
  if (input.secretKeyBase.length < 64) throw new Error('SECRET_KEY_BASE must be at least 64 characters (Phoenix)');
  const jwks = publicJwks(input.jwks);
  const { limits } = input;
  return {
    postgres: {
      image: POSTGRES_IMAGE,
      user: DB_USER,
      password: DB_PASSWORD,
      database: DB_NAME,
      // The image's init scripts reach the server through this socket directory (all of Supabase's compose files set it).
      env: { POSTGRES_HOST: '/var/run/postgresql' },
      // As the realtime repo runs the image; the rest as the local stack's Postgres: room for the
      // harness's connections, and no fsync for a database thrown away after the run.
      command: ['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
      ports: [{ container: DB_CONTAINER_PORT, host: input.dbPort }],
      networkAliases: [DB_ALIAS],
      // Over TCP: during initialisation the image's entrypoint runs a server on the socket alone, so
      // this passes only once the init scripts are done and the real server listens.
      wait: {
        kind: 'healthcheck',
        test: ['CMD-SHELL', `pg_isready --host localhost --username ${DB_USER} --dbname ${DB_NAME}`],
        intervalMs: 500, timeoutMs: 2000, retries: 240,
      },
      startupTimeoutMs: 180_000,
    },
    realtime: {
      image: REALTIME_IMAGE,
      env: {
        PORT: String(REALTIME_PORT),
        APP_NAME: 'realtime',
        DB_HOST: DB_ALIAS,
        DB_PORT: String(DB_CONTAINER_PORT),
        DB_USER,
        DB_PASSWORD,
        DB_NAME,
        DB_AFTER_CONNECT_QUERY: 'SET search_path TO _realtime',
        // Encrypts the tenant's database password in `_realtime`; the self-hosted setup's value.
        DB_ENC_KEY: 'supabaserealtime',
        API_JWT_SECRET: input.jwtSecret,
        // The seed reads it into the tenant's jwt_jwks: tokens with a kid are verified with it.
        ...(jwks.keys.length ? { API_JWT_JWKS: JSON.stringify(jwks) } : {}),
        METRICS_JWT_SECRET: input.jwtSecret,
        SECRET_KEY_BASE: input.secretKeyBase,
        ERL_AFLAGS: '-proto_dist inet_tcp',
        DNS_NODES: "''",
        RLIMIT_NOFILE: '10000',
        SEED_SELF_HOST: 'true',
        SELF_HOST_TENANT_NAME: TENANT_ID,
        // The seeded tenant's region: its database connection is then placed on this node.
        REGION: 'us-east-1',
        RUN_JANITOR: 'true',
        DISABLE_HEALTHCHECK_LOGGING: 'true',
      },
      // The image's own: run.sh migrates, seeds the tenant, then execs this.
      command: ['/app/bin/server'],
      ports: [{ container: REALTIME_PORT }],
      networkAliases: ['realtime'],
      // run.sh seeds (and migrates the tenant's database) before the server listens, so an answer means both are done.
      wait: { kind: 'http', path: '/healthcheck', port: REALTIME_PORT, status: 200 },
      startupTimeoutMs: 180_000,
    },
    dbUrl: dbUrlFor(input.dbPort),
    bootstrapSql: `create schema if not exists _realtime;\nalter schema _realtime owner to ${DB_USER};`,
    migrations: { dir: path.resolve(input.migrationsDir), seed: path.resolve(input.seedFile), realtimeSchema: false },
    tenantSql: [
      {
        text: `update _realtime.tenants set max_events_per_second = $2, max_joins_per_second = $3, max_channels_per_client = $4,
          max_concurrent_users = $5, max_payload_size_in_kb = $6, max_presence_events_per_second = $7 where external_id = $1`,
        values: [TENANT_ID, limits.maxEventsPerSecond, limits.maxJoinsPerSecond, limits.maxChannelsPerClient,
          limits.maxConcurrentUsers, limits.maxPayloadSizeKb, limits.maxPresenceEventsPerSecond],
      },
      {
        text: `update _realtime.extensions set settings = jsonb_set(settings, '{poll_max_record_bytes}', to_jsonb($2::int))
          where tenant_external_id = $1 and type = 'postgres_cdc_rls'`,
        values: [TENANT_ID, limits.maxRecordBytes],
      },
    ],
    tenantHost: `${TENANT_ID}.supabase-realtime`,
  };
}
