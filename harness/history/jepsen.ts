import type { HistoryEntry } from '../schema/history.ts';

function edn(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(edn).join(' ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `:${k.replace(/[^a-zA-Z0-9_-]/g, '-')} ${edn(x)}`).join(' ')}}`;
}

/**
 * Jepsen's history form, one map a line, so an outside checker (Elle, Knossos) can give a second
 * opinion. Processes become integers; an unknown outcome stays :info.
 */
export function toJepsenEdn(h: HistoryEntry[]): string {
  const procs = new Map<string, number>();
  const proc = (p: string) => (p === 'nemesis' ? ':nemesis' : String(procs.get(p) ?? (procs.set(p, procs.size), procs.size - 1)));
  return h.map((e) => `{:index ${e.index} :time ${Math.round(e.time * 1e6)} :process ${proc(e.process)} :type :${e.type} :f :${e.f} :value ${edn(e.value)}}`).join('\n') + '\n';
}
