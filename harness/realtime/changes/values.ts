// pgoutput sends values as Postgres text; the real server sends them as to_jsonb would.
import { parse as parseArray } from 'postgres-array';

const NUMERIC = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);

export function toJsonValue(type: string, text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  // An array type is its element type's name with a leading underscore (pg_type): '{1,2}' → [1, 2].
  if (type.startsWith('_')) return parseArray(text, (el) => toJsonValue(type.slice(1), el));
  if (NUMERIC.has(type)) return Number(text);
  if (type === 'bool') return text === 't';
  if (type === 'json' || type === 'jsonb') return JSON.parse(text);
  if (type === 'timestamptz') return timestamptzToIso(text);
  if (type === 'timestamp') return text.replace(' ', 'T');
  return text;
}

/** '2026-11-25 04:22:56.123456+00' → '2026-11-25T04:22:56.123456+00:00' (to_jsonb's form). */
export function timestamptzToIso(text: string): string {
  const t = text.replace(' ', 'T');
  return /[+-]\d\d$/.test(t) ? `${t}:00` : t;
}

/** Commit time (µs since the Unix epoch, as pg-logical-replication gives it) → apply_rls's 'YYYY-MM-DDTHH:MM:SS.mmmZ'. */
export function commitTimestamp(unixMicros: bigint): string {
  return new Date(Number(unixMicros / 1000n)).toISOString();
}

/**
 * Commit time as wal2json's include-timestamp writes it (timestamptz output in UTC, trailing zeros
 * of the fraction dropped): '2026-11-25 04:22:56.1234+00'. Only its length matters (wal-size.ts).
 */
export function walTimestamp(unixMicros: bigint): string {
  const seconds = new Date(Number(unixMicros / 1_000_000n) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const fraction = String(unixMicros % 1_000_000n).padStart(6, '0').replace(/0+$/, '');
  return `${seconds}${fraction ? `.${fraction}` : ''}+00`;
}
