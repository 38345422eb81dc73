import type { Column } from './types.ts';
import { toJsonValue } from './values.ts';

export type FilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';
export interface Filter { column: string; op: FilterOp; value: string | string[] }

const OPS = new Set<FilterOp>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);

export class FilterError extends Error {}

/** Parses `col=op.value` as the real server does; the message mirrors its "Error parsing `filter` params". */
export function parseFilter(filter: string): Filter {
  const fail = (why: string) =>
    new FilterError(`Error parsing \`filter\` params: ${JSON.stringify([filter])}: ${why}`);
  const eq = filter.indexOf('=');
  if (eq <= 0) throw fail('expected `column=operator.value`');
  const column = filter.slice(0, eq).trim();
  const rest = filter.slice(eq + 1);
  const dot = rest.indexOf('.');
  if (dot <= 0) throw fail('expected `operator.value`');
  const op = rest.slice(0, dot) as FilterOp;
  const raw = rest.slice(dot + 1);
  if (!OPS.has(op)) throw fail(`unknown operator \`${op}\` (eq, neq, lt, lte, gt, gte, in)`);
  if (op === 'in') {
    const m = /^\((.*)\)$/.exec(raw);
    if (!m) throw fail('`in` expects a list like in.(a,b)');
    const items = (m[1] ?? '').split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1')).filter((s) => s !== '');
    if (items.length === 0) throw fail('`in` list is empty');
    if (items.length > 100) throw fail('`in` list has more than 100 values');
    return { column, op, value: items };
  }
  return { column, op, value: raw };
}

/** Checks that the filter's column exists; the real server refuses unknown columns at subscribe time. */
export function checkFilterColumns(f: Filter, columns: Column[], table: string): string | undefined {
  if (!columns.some((c) => c.name === f.column)) {
    return `Error parsing \`filter\` params: column \`${f.column}\` does not exist on table \`${table}\``;
  }
  return undefined;
}

function compare(type: string, a: unknown, bText: string): number {
  const b = toJsonValue(type, bText);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (type === 'timestamptz' || type === 'timestamp' || type === 'date') {
    return Date.parse(String(a)) - Date.parse(String(b));
  }
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function matchesFilter(f: Filter, record: Record<string, unknown> | undefined, columns: Column[]): boolean {
  if (!record || !(f.column in record)) return false;
  const v = record[f.column];
  if (v === null || v === undefined) return false;
  const type = columns.find((c) => c.name === f.column)?.type ?? 'text';
  switch (f.op) {
    case 'eq': return compare(type, v, f.value as string) === 0;
    case 'neq': return compare(type, v, f.value as string) !== 0;
    case 'lt': return compare(type, v, f.value as string) < 0;
    case 'lte': return compare(type, v, f.value as string) <= 0;
    case 'gt': return compare(type, v, f.value as string) > 0;
    case 'gte': return compare(type, v, f.value as string) >= 0;
    case 'in': return (f.value as string[]).some((x) => compare(type, v, x) === 0);
  }
}
