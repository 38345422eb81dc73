// The real server's size measures for `Error 413: Payload Too Large` (apply_rls.sql):
//  - a change is too large when `octet_length(wal::text) > max_record_bytes`, where `wal` is the
//    change as wal2json (format 2, include-pk, include-timestamp, include-type-oids) writes it,
//    cast to jsonb: so it is counted as jsonb prints it (`", "` and `": "` between members);
//  - in a too-large change's records only values whose `octet_length(value::text) <= 64` are kept,
//    `value` being realtime.cast's jsonb of the column (a NULL is SQL NULL there, so it is dropped).
// We decode pgoutput, not wal2json, so the wal2json record is counted, never built.
import type { Change } from './types.ts';

/** A column as wal2json names it: format_type with typmod (`character varying(20)`) and type oid. */
export interface WalColumn { name: string; type: string; typeoid: number }

// wal2json (pg_decode_write_value) writes these unquoted, NaN and the infinities as null, booleans
// as true/false, a bytea's hex without its leading \x, anything else as a JSON string.
const NUMBER_OIDS = new Set([20, 21, 23, 26, 700, 701, 1700]);
const BOOL_OID = 16;
const BYTEA_OID = 17;
const NUMBER_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid']);

/** jsonb escapes a string as JSON.stringify does (", \, control characters); the rest stays UTF-8. */
const stringBytes = (s: string) => Buffer.byteLength(JSON.stringify(s));

/** An object or array as jsonb prints it: members joined by ", ". */
const listBytes = (members: number[]) => 2 + members.reduce((a, b) => a + b, 0) + 2 * Math.max(0, members.length - 1);
const memberBytes = (key: string, value: number) => stringBytes(key) + 2 + value;

/**
 * A number as jsonb's numeric prints it: exponent form expanded (float8's `1e+100`, `1.5e-07`)
 * to the scale numeric_in gives it, minus zero without its sign.
 */
export function numberBytes(text: string): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return Buffer.byteLength(text);
  const [, sign = '', int = '', frac = '', exp = '0'] = m;
  const e = Number(exp);
  const digits = int + frac;
  const point = int.length + e;
  let whole = point <= 0 ? '0' : point >= digits.length ? digits + '0'.repeat(point - digits.length) : digits.slice(0, point);
  whole = whole.replace(/^0+(?=\d)/, '');
  const scale = Math.max(0, frac.length - e);
  const zero = /^0*$/.test(digits);
  return (sign === '-' && !zero ? 1 : 0) + whole.length + (scale ? 1 + scale : 0);
}

/** A JSON value as jsonb prints it. */
export function jsonbBytes(v: unknown): number {
  if (v === null || v === undefined) return 4;
  if (typeof v === 'boolean') return v ? 4 : 5;
  if (typeof v === 'number') return JSON.stringify(v).length;
  if (typeof v === 'string') return stringBytes(v);
  if (Array.isArray(v)) return listBytes(v.map(jsonbBytes));
  return listBytes(Object.entries(v as Record<string, unknown>).map(([k, x]) => memberBytes(k, jsonbBytes(x))));
}

/**
 * octet_length(value::text) of a record value as apply_rls holds it, or undefined for SQL NULL.
 * A number is counted from Postgres's text, which JavaScript's number may have shortened.
 */
export function valueBytes(type: string, value: unknown, text: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && NUMBER_TYPES.has(type) && typeof text === 'string') return numberBytes(text);
  return jsonbBytes(value);
}

/** One value as wal2json writes it (from pgoutput's text), as jsonb then prints it. */
function walValueBytes(typeoid: number, text: string | null): number {
  if (text === null) return 4;
  if (NUMBER_OIDS.has(typeoid)) return /^(nan|-?infinity)/i.test(text) ? 4 : numberBytes(text);
  if (typeoid === BOOL_OID) return text === 't' ? 4 : 5;
  return stringBytes(typeoid === BYTEA_OID ? text.slice(2) : text);
}

/** A type name as wal2json writes it: one format_type already quoted (not an array) goes in as it is. */
const typeBytes = (type: string) => (type.startsWith('"') && !type.endsWith(']') ? Buffer.byteLength(type) : stringBytes(type));

/** `{"name": …, "type": …, "typeoid": …}` and its members, without or with a value. */
function columnBytes(c: WalColumn, value?: number): number {
  const members = [memberBytes('name', stringBytes(c.name)), memberBytes('type', typeBytes(c.type)), memberBytes('typeoid', String(c.typeoid).length)];
  if (value !== undefined) members.push(memberBytes('value', value));
  return listBytes(members);
}

function tupleBytes(cols: WalColumn[], row: Record<string, string | null | undefined>, only?: string[]): number {
  const members: number[] = [];
  // A value not in the WAL (an unchanged TOAST value) wal2json leaves out.
  for (const c of cols) {
    if (only && !only.includes(c.name)) continue;
    const text = row[c.name];
    if (text !== undefined) members.push(columnBytes(c, walValueBytes(c.typeoid, text)));
  }
  return listBytes(members);
}

/** octet_length(wal::text) of the change's wal2json record. */
export function walBytes(change: Change, cols: WalColumn[], timestamp: string): number {
  const action = change.type === 'INSERT' ? 'I' : change.type === 'UPDATE' ? 'U' : 'D';
  const members = [
    memberBytes('action', stringBytes(action)), memberBytes('schema', stringBytes(change.schema)),
    memberBytes('table', stringBytes(change.table)), memberBytes('timestamp', stringBytes(timestamp)),
  ];
  if (change.type !== 'DELETE' && change.recordText) members.push(memberBytes('columns', tupleBytes(cols, change.recordText)));
  // The old row pgoutput sent (all of it with REPLICA IDENTITY FULL, else the key) is wal2json's
  // identity; an UPDATE without one takes the key from the new row.
  if (change.type !== 'INSERT' && change.oldRecordText) members.push(memberBytes('identity', tupleBytes(cols, change.oldRecordText)));
  else if (change.type === 'UPDATE' && change.recordText && change.primaryKey.length) {
    members.push(memberBytes('identity', tupleBytes(cols, change.recordText, change.primaryKey)));
  }
  // The key's names and types, without values; `[]` for a table without one.
  members.push(memberBytes('pk', listBytes(cols.filter((c) => change.primaryKey.includes(c.name)).map((c) => columnBytes(c)))));
  return listBytes(members);
}

// Each relation's columns without values, counted once: most changes are far below the limit and
// a bound from these and the values' lengths is enough to say so.
const fixedBytes = new WeakMap<WalColumn[], number>();

/**
 * Whether the change is over `limit` bytes. A bound is tried first: a string value's text grows at
 * most sixfold when escaped; a number (float8's `1e+300` grows more) is counted exactly.
 */
export function overLimit(change: Change, cols: WalColumn[], timestamp: string, limit: number): boolean {
  let fixed = fixedBytes.get(cols);
  if (fixed === undefined) fixedBytes.set(cols, fixed = cols.reduce((a, c) => a + columnBytes(c) + 2, 0));
  // columns, identity and pk each hold every column at most once; a value adds `, "value": v`.
  let bound = 3 * fixed + 200 + 6 * (change.schema.length + change.table.length + timestamp.length);
  for (const row of [change.recordText, change.oldRecordText]) {
    if (!row) continue;
    for (const c of cols) {
      const text = row[c.name];
      if (text === undefined) continue;
      bound += 13 + (text === null ? 4 : NUMBER_OIDS.has(c.typeoid) ? walValueBytes(c.typeoid, text) : 6 * text.length + 2);
    }
  }
  return bound > limit && walBytes(change, cols, timestamp) > limit;
}
