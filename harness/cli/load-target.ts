// `syncwright load`'s external-target flags, checked together before anything runs: a target named
// by its URLs is loaded as users that already exist there (harness/load/external.ts).
import { readFile } from 'node:fs/promises';
import { UsageError } from './command.ts';
import { parseTokenFile, seedUsers, type KnownUser } from '../load/external.ts';
import type { Endpoints } from '../load/target.ts';

export const EXTERNAL_FLAGS = {
  'supabase-url': { type: 'string' }, 'anon-key': { type: 'string' }, 'app-url': { type: 'string' },
  'jwt-secret': { type: 'string' }, 'token-file': { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof EXTERNAL_FLAGS, string>>;

export const EXTERNAL_USAGE = `An external target (nothing is booted, no control endpoint is used; the app must serve /dev/login):
  --supabase-url URL  its Supabase project URL     --anon-key K   its anon (or publishable) key
  --app-url URL       the app under test (contract section 3), where the writers rename files
  and its users, either
  --jwt-secret S      the project's JWT secret: the seed's users (alice, bob) with HS256 tokens minted with it
  --token-file F      access tokens its Auth issued, one per user (sub): one JWT per line (# comments),
                      or a JSON array of JWTs or of objects with an accessToken (stack.json's users)
  The writers' files are made through the app's API and deleted after the run. Server RSS/CPU
  is not sampled and the raw ws baseline is skipped (the report notes both); the limits are
  taken as supabase/config.toml's.`;

function url(flag: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`--${flag} must be an http(s) URL, got '${value}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--${flag} must be an http(s) URL, got '${value}'`);
  // The scripts append paths (/realtime/v1/…, /api/…) to it.
  return value.replace(/\/+$/, '');
}

/** The external target the flags name with its users, or undefined when none of its flags is given. */
export async function externalFlags(values: Values): Promise<{ info: Endpoints; users: KnownUser[] } | undefined> {
  if (!Object.keys(EXTERNAL_FLAGS).some((f) => values[f as keyof Values] !== undefined)) return undefined;
  for (const f of ['supabase-url', 'anon-key', 'app-url'] as const) {
    if (!values[f]) throw new UsageError(`--${f} is missing: an external target needs --supabase-url, --anon-key and --app-url, and --jwt-secret or --token-file`);
  }
  if (values['jwt-secret'] !== undefined && values['token-file'] !== undefined) throw new UsageError('--jwt-secret and --token-file both given: the users come from one of them');
  if (!values['jwt-secret'] && !values['token-file']) throw new UsageError('--jwt-secret or --token-file is missing: the external target\'s users need access tokens');
  const info = { supabaseUrl: url('supabase-url', values['supabase-url']!), anonKey: values['anon-key']!, appUrl: url('app-url', values['app-url']!) };
  if (values['jwt-secret']) return { info, users: await seedUsers(values['jwt-secret']) };
  const file = values['token-file']!;
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`--token-file ${file}: cannot read it (${err.code ?? err.message})`);
  });
  try {
    return { info, users: parseTokenFile(text) };
  } catch (err) {
    throw new UsageError(`--token-file ${file}: ${(err as Error).message}`);
  }
}
