// Process entry for the Realtime server, so the stack can restart or kill it as a fault.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startRealtime } from './server.ts';
import { loadLimits } from './limits.ts';
import { DEFAULT_PROFILE, PROFILES } from './profile.ts';
import { isOneOf, oneOfError } from '../one-of.ts';

const USAGE = `usage: node --import tsx harness/realtime/main.ts --port N --db-url URL --jwt-secret S [--jwt-jwks FILE] [--api-keys FILE] [--config supabase/config.toml]
       [--realtime-profile ${PROFILES.join('|')}]

Serves the Supabase Realtime protocol at /realtime/v1/websocket and GET /health.

  --jwt-jwks FILE  the project's JWKS ({"keys": [...]}): tokens signed with an RS, ES or EdDSA key
                   (or an HS key of that kid) are verified with the key their kid names; its public
                   keys are served at /auth/v1/.well-known/jwks.json, as Supabase Auth serves them
  --api-keys FILE  the project's opaque API keys and the JWT the API gateway swaps each for:
                   {"sb_publishable_…": "<anon JWT>", "sb_secret_…": "<service_role JWT>"}
  --realtime-profile P  how faithfully it fails (default ${DEFAULT_PROFILE}): faithful loses the commits of a
                   change feed restart, refuses joins it cannot connect for, counts rate limits on 5 s
                   averages that stop receivers and drop changes, and re-creates subscriptions when the
                   publication changes, as production does; ideal loses nothing (docs/contract.md section 1)

Environment:
  SYNCWRIGHT_RT_SUBSCRIBE_DELAY_MS  delay between a join's reply (SUBSCRIBED) and its postgres_changes
                                    going live with the 'Subscribed to PostgreSQL' system ack (default 0)`;

const ApiKeysFile = z.record(z.string().startsWith('sb_'), z.string());
const Jwks = z.object({ keys: z.array(z.object({ kty: z.string(), kid: z.string().optional() }).passthrough()) });

async function run(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' }, 'db-url': { type: 'string' }, 'jwt-secret': { type: 'string' }, 'jwt-jwks': { type: 'string' },
        'api-keys': { type: 'string' }, config: { type: 'string' }, 'realtime-profile': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`realtime: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`realtime: --port must be an integer port, got '${values.port}'\n\n${USAGE}`);
    return 2;
  }
  for (const flag of ['db-url', 'jwt-secret'] as const) {
    if (!values[flag]) {
      console.error(`realtime: --${flag} is required\n\n${USAGE}`);
      return 2;
    }
  }
  const profile = values['realtime-profile'] ?? DEFAULT_PROFILE;
  if (!isOneOf(PROFILES, profile)) {
    console.error(`realtime: ${oneOfError('--realtime-profile', PROFILES, profile)}`);
    return 2;
  }
  const delay = process.env.SYNCWRIGHT_RT_SUBSCRIBE_DELAY_MS || '0';
  if (!/^\d+$/.test(delay)) {
    console.error(`realtime: SYNCWRIGHT_RT_SUBSCRIBE_DELAY_MS must be a whole number of milliseconds, got '${delay}'`);
    return 2;
  }
  let jwks;
  if (values['jwt-jwks']) {
    try {
      jwks = Jwks.parse(JSON.parse(readFileSync(values['jwt-jwks'], 'utf8')));
    } catch (err) {
      console.error(`realtime: --jwt-jwks ${values['jwt-jwks']} is not a JWKS ({"keys": [{"kty": …, "kid": …}]}): ${(err as Error).message.split('\n')[0]}`);
      return 2;
    }
  }
  let apiKeys;
  if (values['api-keys']) {
    try {
      apiKeys = ApiKeysFile.parse(JSON.parse(readFileSync(values['api-keys'], 'utf8')));
    } catch (err) {
      console.error(`realtime: --api-keys ${values['api-keys']} is not {"sb_…": "<JWT>", …}: ${(err as Error).message.split('\n')[0]}`);
      return 2;
    }
  }
  let limits;
  try {
    limits = loadLimits(values.config);
  } catch (err) {
    console.error(`realtime: ${(err as Error).message}`);
    return 2;
  }
  let server;
  try {
    server = await startRealtime({
      port, dbUrl: values['db-url']!, jwtSecret: values['jwt-secret']!, jwtJwks: jwks, apiKeys, subscribeDelayMs: Number(delay),
      limits, profile, onLog: (l) => console.error(`[realtime] ${l}`),
    });
  } catch (err) {
    // A taken port is a user's matter: one line. Anything else keeps its stack, below.
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    console.error(`realtime: port ${port} is already taken by another process; stop it, or pick another port`);
    return 1;
  }
  console.error(`[realtime] listening on ${server.url} (profile ${profile})`);
  const stop = () => {
    void server.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return -1;
}

run().then((code) => { if (code >= 0) process.exit(code); }, (err) => {
  console.error(`[realtime] ${(err as Error).stack ?? err}`);
  process.exit(1);
});
