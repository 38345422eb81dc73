import { parsePlantedBug, type PlantedBug } from '../../../planted.ts';

/** Read at request time, so one build serves any ports (nothing public is inlined at build). */
export function serverConfig() {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set`);
    return v;
  };
  return {
    databaseUrl: need('DATABASE_URL'),
    jwtSecret: need('SUPABASE_JWT_SECRET'),
    // How access tokens are signed: the JWT secret with this HS alg (default HS256), or, for a
    // project with asymmetric signing keys, its private JWK (kid and alg inside), as Supabase Auth holds it.
    jwtAlg: process.env.SUPABASE_JWT_ALG ?? 'HS256',
    signingJwk: process.env.SUPABASE_JWT_SIGNING_JWK,
    supabaseUrl: need('NEXT_PUBLIC_SUPABASE_URL'),
    anonKey: need('NEXT_PUBLIC_SUPABASE_ANON_KEY'),
    eventsPerSecond: Number(process.env.NEXT_PUBLIC_SUPABASE_EVENTS_PER_SEC ?? 10) || 10,
    dataDir: process.env.SYNCWRIGHT_DATA_DIR ?? '.data',
    planted: parsePlantedBug(process.env.SYNC_PLANTED),
    devLogin: process.env.NODE_ENV !== 'production' || process.env.SYNCWRIGHT_DEV_LOGIN === '1',
    poolMax: Number(process.env.DB_POOL_MAX ?? 10) || 10,
    poolIdleMs: Number(process.env.DB_POOL_IDLE_MS ?? 10_000) || 10_000,
    // Lifetime of the access tokens the app mints (default an hour, as Supabase Auth's);
    // `/dev/login?tokenTtl=` overrides it for one browser (the token-refresh scenario).
    accessTokenTtlS: Number(process.env.SYNCWRIGHT_ACCESS_TOKEN_TTL_S ?? 3600) || 3600,
  };
}

export interface ClientConfig { supabaseUrl: string; anonKey: string; eventsPerSecond: number; planted?: PlantedBug }
