/**
 * One comparable form for every timestamp the client sees ('…T04:22:56.123456Z'): realtime sends
 * '+00:00' offsets, the REST API 'Z', both with microseconds. Equal strings are equal instants and
 * string order is time order, so last-write-wins can compare exactly.
 */
export function canonTs(value: string | null | undefined): string {
  if (!value) return '';
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(value.trim());
  if (!m) return value;
  const frac = (m[3] ?? '').padEnd(6, '0').slice(0, 6);
  const zone = m[4] ?? 'Z';
  if (zone === 'Z' || /^[+-]00(:?00)?$/.test(zone)) return `${m[1]}T${m[2]}.${frac}Z`;
  const ms = Date.parse(`${m[1]}T${m[2]}.${frac.slice(0, 3)}${zone.length === 3 ? `${zone}:00` : zone}`);
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

/** a newer than b (both canonical). */
export const newer = (a: string, b: string) => a > b;
