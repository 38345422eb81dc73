// The `filter` and `select` of a postgres_changes binding, read as the real server reads them
// (lib/extensions/postgres_cdc_rls/subscriptions.ex, parse_subscription_params). Everything here
// is syntax; what a value means for a column is decided in Postgres (filter-sql.ts).
import { inspectFlat, inspectPretty, inspectString } from './elixir.ts';

/** Every operator the real server accepts (its @filter_types). */
export const OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct'] as const;
export type Operator = typeof OPERATORS[number];

/**
 * One condition as the real server stores it (realtime.user_defined_filter): the value of `in` is
 * a Postgres array literal (`in.(a,"b,c")` → `{a,"b,c"}`), any other value is unquoted.
 */
export interface Condition { column: string; op: Operator; value: string; negate: boolean }

/** A refusal worded as the real server words it; the channel reports `message` as a system error. */
export class FilterError extends Error {}

const PARSE_ERROR = 'Error parsing `filter` params: ';

/**
 * `col=[not.]op.value` conditions joined by commas (AND). An empty or blank filter is no filter.
 * Throws FilterError with the real server's text.
 */
export function parseFilter(filter: string): Condition[] {
  const trimmed = filter.trim();
  if (trimmed === '') return [];
  return splitTopLevel(trimmed).map((segment) => {
    const r = parseSegment(segment);
    if (typeof r === 'string') throw new FilterError(PARSE_ERROR + r);
    return r;
  });
}

/**
 * Splits at commas outside parentheses and double quotes. A quote opens only right after `.`, `(`
 * or `,` (a top-level comma forgets what preceded it, so a quote right after one does not open),
 * and inside quotes a backslash keeps the next character.
 */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  let prev = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < s.length) { current += c + s[++i]; prev = s[i]!; continue; }
      if (c === '"') quoted = false;
      current += c; prev = c;
    } else if (c === '"' && (prev === '.' || prev === '(' || prev === ',')) {
      quoted = true; current += c; prev = c;
    } else if (c === ',' && depth === 0) {
      out.push(current); current = ''; prev = '';
    } else {
      if (c === '(') depth++;
      else if (c === ')') depth = Math.max(0, depth - 1);
      current += c; prev = c;
    }
  }
  out.push(current);
  return out;
}

/** A condition, or the reason it is not one (what follows "Error parsing `filter` params: "). */
function parseSegment(segment: string): Condition | string {
  const s = segment.trim();
  if (s === '') return 'filter must not contain empty segments (check for extra commas)';
  const eq = s.indexOf('=');
  // The server reports a part it could not split as the inspected list of what it got.
  if (eq < 0) return inspectFlat([inspectString(s)]);
  const column = s.slice(0, eq);
  let rest = s.slice(eq + 1);
  const negate = rest.startsWith('not.');
  if (negate) rest = rest.slice(4);
  const dot = rest.indexOf('.');
  if (dot < 0) return inspectFlat([inspectString(rest)]);
  const op = rest.slice(0, dot);
  const raw = rest.slice(dot + 1);
  if (!(OPERATORS as readonly string[]).includes(op)) return inspectFlat([inspectString(op), inspectString(raw)]);
  if (op === 'in') {
    if (raw.length < 2 || !raw.startsWith('(') || !raw.endsWith(')')) return '`in` filter value must be wrapped by parentheses';
    return { column, op, value: `{${raw.slice(1, -1)}}`, negate };
  }
  return { column, op: op as Operator, value: unquote(raw), negate };
}

/** PostgREST quoting: `"a,\"b\""` → `a,"b"`. A value that is not exactly one quoted string stays as sent. */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') return i === value.length - 1 ? out : value;
    if (c === '\\' && i + 1 < value.length) out += value[++i];
    else out += c;
  }
  return value;
}

/**
 * `select`: a list keeps its strings (none → all columns); a string is refused; anything else is
 * ignored, as parse_select does.
 */
export function parseSelect(select: unknown): string[] | undefined {
  if (typeof select === 'string') {
    throw new FilterError('Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]');
  }
  if (!Array.isArray(select)) return undefined;
  const names = select.filter((c): c is string => typeof c === 'string');
  return names.length ? names : undefined;
}

export const SELECT_ON_WILDCARD = 'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.';

/** The binding as the real server logs it in its subscribe errors (params_to_log). */
export function paramsToLog(p: { event: string; schema: string; table: string; conditions: Condition[]; select?: string[] }): string {
  const filters = p.conditions.map((c) => `{${inspectString(c.column)}, ${inspectString(c.op)}, ${inspectString(c.value)}, ${c.negate}}`);
  const select = p.select ? inspectPretty(p.select.map(inspectString), true) : 'nil';
  return `event: ${p.event}, schema: ${p.schema}, table: ${p.table}, filters: ${inspectPretty(filters, false)}, select: ${select}`;
}
