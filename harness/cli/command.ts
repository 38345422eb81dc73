import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PROFILES, type Profile } from '../realtime/profile.ts';
import { MAX_SHARDS, parseShard, type Shard } from '../conformance/shard.ts';
import { DEFAULT_PROVIDER, PROVIDERS, type Provider } from '../stack/provider.ts';
import { isOneOf, oneOfError } from '../one-of.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with the project's rules: `--help` is always known, an unknown or malformed flag
 * becomes a UsageError whose message names the flag.
 */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function intFlag(name: string, value: string | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

/** `--realtime-profile`, shared by up and run: undefined when not given (the server's default then). */
export function profileFlag(value: string | undefined): Profile | undefined {
  if (value === undefined) return undefined;
  return oneOfFlag('--realtime-profile', PROFILES, value);
}

/** A shard `i/n` (run's --shard, report's --allow-missing with --merge): undefined when not given. */
export function shardFlag(name: string, value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const shard = parseShard(value);
  if (!shard) throw new UsageError(`--${name} must be i/n, the i-th of n shards with 1 ≤ i ≤ n ≤ ${MAX_SHARDS} (e.g. 1/2), got '${value}'`);
  return shard;
}

/** `--provider` of `up`: local when not given. */
export function providerFlag(value: string | undefined): Provider {
  if (value === undefined) return DEFAULT_PROVIDER;
  return oneOfFlag('--provider', PROVIDERS, value);
}

/** A flag whose value must be one of `names`: the value, or a UsageError naming the flag and the names. */
export function oneOfFlag<T extends string>(flag: string, names: readonly T[], value: string): T {
  if (!isOneOf(names, value)) throw new UsageError(oneOfError(flag, names, value));
  return value;
}

/** The usage line of --realtime-profile, the same in every command that takes it. */
export const PROFILE_USAGE = `  --realtime-profile faithful|ideal
                  faithful (default): the Realtime server fails as production does, losing the
                  commits of a change feed restart, refusing joins it cannot connect for, limiting
                  rates on production's 5 s averages (stopping receivers, dropping changes) and
                  re-creating subscriptions when the publication changes;
                  ideal: it loses nothing (docs/contract.md section 1)`;
