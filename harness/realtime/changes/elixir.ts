// The real server writes its subscription errors with Elixir's `inspect`; these reproduce the
// forms that reach a client: strings, lists of strings, and the filter tuples of params_to_log.

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\b': '\\b', '\f': '\\f', '\x1b': '\\e', '\x07': '\\a' };

/** `inspect("...")`: a printable string in quotes; a string with other control characters as `<<bytes>>`. */
export function inspectString(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x06\x0e-\x1a\x1c-\x1f\x7f]/.test(s)) return `<<${[...Buffer.from(s)].join(', ')}>>`;
  return `"${s.replace(/["\\\n\r\t\v\b\f\x1b\x07]|#\{/g, (c) => ESCAPES[c] ?? '\\#{')}"`;
}

/** `inspect(list)` without `pretty`: one line whatever its length. */
export function inspectFlat(items: string[]): string {
  return `[${items.join(', ')}]`;
}

const WIDTH = 80;

/**
 * `inspect(list, pretty: true)` (Realtime.Logs.to_log), for a list of already-inspected items:
 * on one line when it fits in 80 columns; otherwise strings are filled line by line (indent 1)
 * and tuples go one per line (indent 2), as Inspect.Algebra's container_doc lays them out.
 */
export function inspectPretty(items: string[], simple: boolean): string {
  const flat = inspectFlat(items);
  if (flat.length <= WIDTH) return flat;
  if (!simple) return `[\n${items.map((i) => `  ${i}`).join(',\n')}\n]`;
  let out = '[';
  let col = 1;
  items.forEach((item, i) => {
    const chunk = item + (i === items.length - 1 ? ']' : ',');
    if (i > 0) {
      if (col + 1 + chunk.length <= WIDTH) { out += ' '; col += 1; } else { out += '\n '; col = 1; }
    }
    out += chunk;
    col += chunk.length;
  });
  return out;
}
