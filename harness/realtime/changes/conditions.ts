// Deciding a condition for a changed row with Postgres's semantics (realtime.check_equality_op):
// the row's value and the filter's value are both cast to the column's type and compared by
// Postgres's operator for that type, and a row matches only when every condition is TRUE (a NULL
// is no match, and NOT of a NULL is still NULL).
//
// Where plain text comparison gives the same answer as Postgres — equality on types whose text
// form is canonical, integer order, IS NULL/TRUE/FALSE — the condition is decided here, per
// change, at no cost. Everything else (like, ilike, regex match, ordering by collation, numeric,
// floats, timestamps, …) is asked of Postgres itself, so its dialects and collations need no copy.
import type { Condition } from './filter.ts';

/** A condition checked against its table at subscribe time (filter-sql.ts check_binding). */
export interface BoundCondition extends Condition {
  /** The column's type as SQL (regtype text), for casts in the Postgres check. */
  sqlType: string;
  /** pg_type.typname, to know whether text comparison is exact. */
  type: string;
  /** The value(s) in the type's output form (`in`: one per element, NULL kept), where cast. */
  canon?: (string | null)[] | null;
}

/** Types whose output text is canonical: two values are equal exactly when their texts are. */
const CANONICAL = new Set(['text', 'varchar', 'name', 'uuid', 'int2', 'int4', 'int8', 'oid', 'bool']);
const INTEGER = new Set(['int2', 'int4', 'int8', 'oid']);
/** Types whose pgoutput text is also the record's JSON value (a string), so the registry may index them. */
export const INDEXABLE = new Set(['text', 'varchar', 'name', 'uuid']);

/** True, false, or null (SQL NULL) — or undefined when only Postgres can tell. */
type Verdict = boolean | null | undefined;

function not(v: Verdict): Verdict {
  return typeof v === 'boolean' ? !v : v;
}

/** Decides `c` for the row's value as pgoutput text (null = SQL NULL), if text comparison is exact. */
export function decideLocally(c: BoundCondition, v: string | null): Verdict {
  if (c.op === 'is') {
    const r = c.value === 'null' || c.value === 'unknown' ? v === null : v === (c.value === 'true' ? 't' : 'f');
    return c.negate ? !r : r;
  }
  if (!CANONICAL.has(c.type) || !c.canon) return undefined;
  const one = c.canon[0] ?? null;
  let r: Verdict;
  switch (c.op) {
    case 'isdistinct': return (v === null || v !== one) !== c.negate;
    case 'eq': r = v === null ? null : v === one; break;
    case 'neq': r = v === null ? null : v !== one; break;
    case 'in': r = v === null ? null : c.canon.includes(v) ? true : c.canon.includes(null) ? null : false; break;
    case 'lt': case 'lte': case 'gt': case 'gte': {
      if (!INTEGER.has(c.type) || one === null) return undefined;
      if (v === null) return null;
      const a = BigInt(v);
      const b = BigInt(one);
      r = c.op === 'lt' ? a < b : c.op === 'lte' ? a <= b : c.op === 'gt' ? a > b : a >= b;
      break;
    }
    default: return undefined;
  }
  return c.negate ? not(r) : r;
}

const SYMBOL: Partial<Record<Condition['op'], string>> = {
  eq: '=', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=', like: 'LIKE', ilike: 'ILIKE', match: '~', imatch: '~*',
};

/**
 * The SQL of check_equality_op for `c`, with the row's value as parameter $a and the filter's as
 * $b. Types and keywords come from the catalog and the parser's fixed lists, never from the client.
 */
export function conditionSql(c: BoundCondition, a: number, b: number): string {
  const T = c.sqlType;
  if (c.op === 'isdistinct') return `($${a}::text::${T} IS ${c.negate ? 'NOT ' : ''}DISTINCT FROM $${b}::text::${T})`;
  if (c.op === 'is') return `($${a}::text::${T} IS ${c.negate ? 'NOT ' : ''}${c.value.toUpperCase()})`;
  const expr = c.op === 'in' ? `($${a}::text::${T} = any($${b}::text::${T}[]))` : `($${a}::text::${T} ${SYMBOL[c.op]} ($${b}::text::${T}))`;
  return c.negate ? `(NOT ${expr})` : expr;
}
