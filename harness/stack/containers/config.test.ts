// The testcontainers provider's configuration builder: what each container is and what runs
// against it, from our settings. The values are the real server's (sources in config.ts); these
// tests pin them, since the containers themselves only run where Docker is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { supabaseContainers, dbUrlFor, POSTGRES_IMAGE, REALTIME_IMAGE, TENANT_ID, type ContainerConfigInput } from './config.ts';
import { DEFAULT_LIMITS } from '../../realtime/limits.ts';
import { DEFAULT_JWT_SECRET } from '../keys.ts';
import { projectKeys } from '../signing.ts';
import { ROOT } from '../../root.ts';

const input: ContainerConfigInput = {
  dbPort: 54322,
  jwtSecret: DEFAULT_JWT_SECRET,
  limits: { ...DEFAULT_LIMITS, maxEventsPerSecond: 7, maxJoinsPerSecond: 8, maxChannelsPerClient: 9, maxConcurrentUsers: 11, maxPayloadSizeKb: 12, maxPresenceEventsPerSecond: 13, maxRecordBytes: 14 },
  secretKeyBase: 'k'.repeat(64),
  migrationsDir: path.join(ROOT, 'supabase/migrations'),
  seedFile: path.join(ROOT, 'supabase/seed.sql'),
};

test('images are pinned to exact tags', () => {
  const c = supabaseContainers(input);
  assert.equal(c.postgres.image, POSTGRES_IMAGE);
  assert.equal(c.realtime.image, REALTIME_IMAGE);
  for (const image of [POSTGRES_IMAGE, REALTIME_IMAGE]) assert.match(image, /^supabase\/[a-z]+:v?\d+(\.\d+){2,3}$/, image);
});

test("Postgres: the image's superuser and database, published on the stack's DB port, ready only once its init scripts are done", () => {
  const { postgres, dbUrl } = supabaseContainers(input);
  assert.deepEqual([postgres.user, postgres.password, postgres.database], ['supabase_admin', 'postgres', 'postgres']);
  assert.deepEqual(postgres.ports, [{ container: 5432, host: 54322 }]);
  assert.equal(dbUrl, 'postgresql://supabase_admin:postgres@127.0.0.1:54322/postgres');
  assert.equal(dbUrlFor(6000), 'postgresql://supabase_admin:postgres@127.0.0.1:6000/postgres');
  assert.deepEqual(postgres.networkAliases, ['db']);
  assert.equal(postgres.env.POSTGRES_HOST, '/var/run/postgresql');
  assert.deepEqual(postgres.command.slice(0, 3), ['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf']);
  assert.ok(postgres.command.includes('max_connections=200'));
  // Over TCP (--host localhost): the entrypoint's init-time server listens on the socket only.
  assert.equal(postgres.wait.kind, 'healthcheck');
  if (postgres.wait.kind === 'healthcheck') assert.match(postgres.wait.test[1], /^pg_isready --host localhost --username supabase_admin --dbname postgres$/);
});

test('Realtime: the self-hosted environment, reaching Postgres by its network alias, with our JWT secret', () => {
  const { realtime, postgres } = supabaseContainers(input);
  const e = realtime.env;
  assert.equal(e.DB_HOST, postgres.networkAliases[0]);
  assert.deepEqual([e.DB_PORT, e.DB_USER, e.DB_PASSWORD, e.DB_NAME], ['5432', postgres.user, postgres.password, postgres.database]);
  assert.equal(e.DB_AFTER_CONNECT_QUERY, 'SET search_path TO _realtime');
  assert.equal(e.API_JWT_SECRET, DEFAULT_JWT_SECRET);
  assert.equal(e.METRICS_JWT_SECRET, DEFAULT_JWT_SECRET, 'runtime.exs fetches it unconditionally');
  assert.equal(e.SECRET_KEY_BASE, 'k'.repeat(64));
  assert.equal(e.APP_NAME, 'realtime', 'runtime.exs raises without it in prod');
  assert.equal(e.SEED_SELF_HOST, 'true');
  assert.equal(e.SELF_HOST_TENANT_NAME, TENANT_ID);
  assert.equal(e.DNS_NODES, "''");
  assert.equal(e.RLIMIT_NOFILE, '10000');
  assert.equal(e.ERL_AFLAGS, '-proto_dist inet_tcp');
  assert.equal(e.DB_ENC_KEY!.length, 16, 'AES-128 key');
  assert.equal(e.API_JWT_JWKS, undefined, 'HS256: no JWKS');
  assert.deepEqual(realtime.ports, [{ container: 4000 }]);
  assert.equal(e.PORT, '4000');
  assert.deepEqual(realtime.wait, { kind: 'http', path: '/healthcheck', port: 4000, status: 200 });
  assert.deepEqual(realtime.command, ['/app/bin/server']);
});

test('an asymmetric alg hands Realtime the public JWKS only', async () => {
  const keys = await projectKeys('ES256', DEFAULT_JWT_SECRET);
  const { realtime } = supabaseContainers({ ...input, jwks: keys.jwks });
  const jwks = JSON.parse(realtime.env.API_JWT_JWKS!) as { keys: Record<string, unknown>[] };
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0]!.kid, keys.privateJwk!.kid);
  assert.equal(jwks.keys[0]!.d, undefined, 'no private member');
});

test("the supabase-js URL's tenant: the gateway's Host names the seeded tenant in its first label", () => {
  const { tenantHost } = supabaseContainers(input);
  // lib/realtime/database.ex get_external_id: String.split(host, ".", parts: 2), first part.
  assert.equal(tenantHost.split('.', 2)[0], TENANT_ID);
  assert.equal(TENANT_ID, 'realtime-dev');
});

test("Realtime's own tables go in _realtime, made before it starts; our migrations come after it, without our realtime schema", () => {
  const c = supabaseContainers(input);
  assert.match(c.bootstrapSql, /create schema if not exists _realtime;/);
  assert.match(c.bootstrapSql, /alter schema _realtime owner to supabase_admin;/);
  assert.deepEqual(c.migrations, { dir: path.join(ROOT, 'supabase/migrations'), seed: path.join(ROOT, 'supabase/seed.sql'), realtimeSchema: false });
});

test("config.toml's limits go to the seeded tenant, each of the seven", () => {
  const [tenants, extensions] = supabaseContainers(input).tenantSql;
  assert.match(tenants!.text, /^update _realtime\.tenants set /);
  const set = (col: string) => tenants!.values[Number(new RegExp(`${col} = \\$(\\d+)`).exec(tenants!.text)![1]) - 1];
  assert.equal(set('max_events_per_second'), 7);
  assert.equal(set('max_joins_per_second'), 8);
  assert.equal(set('max_channels_per_client'), 9);
  assert.equal(set('max_concurrent_users'), 11);
  assert.equal(set('max_payload_size_in_kb'), 12);
  assert.equal(set('max_presence_events_per_second'), 13);
  assert.match(tenants!.text, /where external_id = \$1$/);
  assert.equal(tenants!.values[0], TENANT_ID);
  assert.match(extensions!.text, /^update _realtime\.extensions set settings = jsonb_set\(settings, '\{poll_max_record_bytes\}', to_jsonb\(\$2::int\)\)/);
  assert.deepEqual(extensions!.values, [TENANT_ID, 14]);
});

test('a SECRET_KEY_BASE Phoenix would refuse is refused here', () => {
  assert.throws(() => supabaseContainers({ ...input, secretKeyBase: 'short' }), /at least 64 characters/);
});
