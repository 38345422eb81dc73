import { z } from 'zod';
import { PROFILES } from '../realtime/profile.ts';
import { Verdict } from './history.ts';

export const LatencySummary = z.object({ count: z.number(), p50: z.number(), p95: z.number(), p99: z.number(), max: z.number(), mean: z.number() });

export const ScenarioResult = z.object({
  id: z.string(),
  title: z.string(),
  file: z.string(),
  status: z.enum(['passed', 'failed', 'flaky', 'skipped']),
  durationMs: z.number(),
  retries: z.number(),
  error: z.string().optional(),
  latency: LatencySummary.extend({ samples: z.array(z.number()) }).optional(),
  verdicts: z.array(Verdict).default([]),
  faults: z.array(z.object({ kind: z.string(), phase: z.string(), time: z.number().optional(), client: z.string().optional() })).default([]),
  artifacts: z.object({
    trace: z.string().optional(), history: z.string().optional(),
    /** A failed test's realtime frames per browser and the stack's log lines of its time. */
    diagnostics: z.array(z.string()).optional(),
  }).default({}),
  /** For failed and random runs: the history, compact, for the timeline plot. */
  timeline: z.array(z.object({ t: z.number(), process: z.string(), type: z.string(), f: z.string(), label: z.string().optional() })).optional(),
});

/** `checker`: the generic checkers that failed on it, when the test that caught it ran them. */
export const PlantedResult = z.object({ bug: z.string(), scenario: z.string(), caught: z.boolean(), detail: z.string(), durationMs: z.number(), checker: z.string().optional() });

export const LoadResult = z.object({
  name: z.string(),
  size: z.string(),
  passed: z.boolean(),
  metrics: z.record(z.string(), z.number()),
  series: z.array(z.object({ t: z.number(), throughput: z.number(), p50: z.number(), p95: z.number(), p99: z.number() })).default([]),
  baselineRatio: z.number().optional(),
  /** The server process sampled once a second during the run (same time origin as `series`). */
  resources: z.array(z.object({ t: z.number(), rssMb: z.number(), cpuPct: z.number() })).default([]),
  /** What the run could not measure on its target, and why (an external target's server is not sampled). */
  notes: z.array(z.string()).optional(),
});

/** report.json: one file a machine can diff; index.html and junit.xml are rendered from it. */
/**
 * What wrote a report, so that only like is compared with like: `syncwright run` (conformance: the
 * scenarios, the planted-bug matrix, a load smoke), `syncwright load` (one load script) or
 * `syncwright explore` (seeded random runs).
 */
export const ReportKind = z.enum(['conformance', 'load', 'explore']);
export type ReportKind = z.infer<typeof ReportKind>;

export const ShardOf = z.object({ index: z.number().int().min(1), total: z.number().int().min(1), plan: z.string() })
  .refine((s) => s.index <= s.total, { message: 'shard index is past the shard total' });

export const Report = z.object({
  version: z.literal(1),
  kind: ReportKind,
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  environment: z.object({
    node: z.string(), os: z.string(), chromium: z.string().optional(), postgres: z.string().optional(),
    supabaseJs: z.string().optional(), k6: z.string().optional(),
  }),
  target: z.object({
    kind: z.enum(['local', 'external']), appUrl: z.string().optional(), supabaseUrl: z.string().optional(),
    /** The local Realtime server's fidelity profile (harness/realtime/profile.ts); absent for an external target and in older reports. */
    realtimeProfile: z.enum(PROFILES).optional(),
  }),
  budget: z.object({ p95: z.number(), max: z.number() }),
  scenarios: z.array(ScenarioResult),
  planted: z.array(PlantedResult).default([]),
  load: z.array(LoadResult).default([]),
  summary: z.object({
    passed: z.number(), failed: z.number(), flaky: z.number(), skipped: z.number(),
    plantedCaught: z.number(), plantedMissed: z.number(), latency: LatencySummary.optional(), ok: z.boolean(),
  }),
  /**
   * The slice of a sharded run this report holds (`syncwright run --shard index/total`); `plan`
   * digests the keys of the whole run's items, the same in every shard of one run (harness/conformance/shard.ts).
   */
  shard: ShardOf.optional(),
  /** A report `syncwright report --merge` joined from the shard reports named here; `missing`: the shards excused by --allow-missing. */
  merged: z.object({
    total: z.number().int(), plan: z.string(),
    shards: z.array(z.object({ index: z.number().int(), runId: z.string() })),
    missing: z.array(z.number().int()),
  }).optional(),
});
export type Report = z.infer<typeof Report>;

/**
 * A report.json as this version reads it, so `report --compare` still reads a kept baseline:
 * - one written before planted bugs had one name (`mutants`, `mutant`, `mutantsCaught`,
 *   `mutantsMissed`) is renamed in place;
 * - one written before reports had a `kind` gets the kind its shape shows: load results only is a
 *   load run, runs kept under batch-N/ (explore's layout) an explore run, anything else conformance.
 * Anything else is returned as it is, for Report to judge.
 */
export function upgradeReport(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  let r = raw as Record<string, unknown>;
  if ('mutants' in r) {
    const { mutants, summary, ...rest } = r as { mutants: unknown; summary?: Record<string, unknown> };
    const planted = Array.isArray(mutants)
      ? mutants.map((m: Record<string, unknown>) => { const { mutant, ...x } = m; return { bug: mutant, ...x }; })
      : mutants;
    const { mutantsCaught, mutantsMissed, ...sum } = summary ?? {};
    r = { ...rest, planted, summary: summary && { ...sum, plantedCaught: mutantsCaught, plantedMissed: mutantsMissed } };
  }
  if (!('kind' in r)) r = { ...r, kind: kindOf(r) };
  return r;
}

function kindOf(r: Record<string, unknown>): ReportKind {
  const list = (k: string) => (Array.isArray(r[k]) ? (r[k] as Record<string, unknown>[]) : []);
  if (list('scenarios').length === 0 && list('planted').length === 0 && list('load').length > 0) return 'load';
  const history = (s: Record<string, unknown>) => String((s.artifacts as Record<string, unknown> | undefined)?.history ?? '');
  if (list('scenarios').some((s) => history(s).startsWith('batch-'))) return 'explore';
  return 'conformance';
}
export type ScenarioResult = z.infer<typeof ScenarioResult>;
export type PlantedResult = z.infer<typeof PlantedResult>;
