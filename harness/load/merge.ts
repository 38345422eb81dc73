// The summaries of one test's k6 processes (its execution segments) as one summary. Counters add;
// rates add their passes and fails; trends are not averaged: each segment's samples (from its JSON
// output) go into an HDR histogram, the histograms are added, and the percentiles read from the sum,
// so a p99 is the p99 of every sample of the test.
import * as hdr from 'hdr-histogram-js';

export interface SummaryMetric {
  type?: 'counter' | 'gauge' | 'rate' | 'trend';
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
export interface Summary { metrics: Record<string, SummaryMetric> }

/** One segment: what its handleSummary wrote and its `--out json` points. */
export interface SegmentOutput { summary: Summary; points: string }

// Samples are recorded in thousandths (µs for the ms trends), as history/budget.ts records latency.
const SCALE = 1000;

function histogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 2, autoResize: true, numberOfSignificantValueDigits: 3 });
}

/** The samples of the given trends in one segment's points, one histogram per trend. */
function trendHistograms(points: string, trends: Set<string>): Map<string, hdr.Histogram> {
  const out = new Map<string, hdr.Histogram>();
  for (const line of points.split('\n')) {
    if (!line.includes('"type":"Point"')) continue;
    const p = JSON.parse(line) as { metric: string; data: { value: number } };
    if (!trends.has(p.metric)) continue;
    let h = out.get(p.metric);
    if (!h) out.set(p.metric, (h = histogram()));
    // A negative sample (clock skew between machines) counts as zero, as budget.ts clamps it.
    h.recordValue(Math.max(0, Math.round(p.data.value * SCALE)));
  }
  return out;
}

/** 'med' → 50, 'p(99.9)' → 99.9; other stats are not percentiles. */
function percentileOf(stat: string): number | undefined {
  if (stat === 'med') return 50;
  const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  return m ? Number(m[1]) : undefined;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function mergeTrend(name: string, parts: SummaryMetric[], hists: (hdr.Histogram | undefined)[]): Record<string, number> {
  const merged = histogram();
  for (const h of hists) if (h) merged.add(h);
  const counts = hists.map((h) => h?.totalCount ?? 0);
  const min = Math.min(...parts.map((p) => p.values.min ?? Infinity));
  const max = Math.max(...parts.map((p) => p.values.max ?? -Infinity));
  const values: Record<string, number> = {};
  for (const stat of new Set(parts.flatMap((p) => Object.keys(p.values)))) {
    const pct = percentileOf(stat);
    if (stat === 'min') values.min = min;
    else if (stat === 'max') values.max = max;
    else if (stat === 'count') values.count = sum(parts.map((p) => p.values.count ?? 0));
    else if (stat === 'avg') values.avg = sum(counts) ? sum(parts.map((p, i) => (p.values.avg ?? 0) * counts[i]!)) / sum(counts) : 0;
    // A bucket's edge can lie outside the samples: never report a percentile beyond min and max.
    else if (pct !== undefined) values[stat] = merged.totalCount ? Math.min(max, Math.max(min, merged.getValueAtPercentile(pct) / SCALE)) : 0;
    else throw new Error(`cannot merge the trend stat '${stat}' of ${name}`);
  }
  merged.destroy();
  return values;
}

function mergeMetric(name: string, parts: SummaryMetric[], hists: (hdr.Histogram | undefined)[]): SummaryMetric {
  const first = parts[0]!;
  const add = (key: string) => sum(parts.map((p) => p.values[key] ?? 0));
  let values: Record<string, number>;
  if (first.type === 'counter') values = { count: add('count'), rate: add('rate') };
  else if (first.type === 'rate') {
    const passes = add('passes');
    const fails = add('fails');
    values = { rate: passes + fails ? passes / (passes + fails) : 0, passes, fails };
  } else if (first.type === 'gauge') {
    // The gauges here count VUs, which add across processes.
    values = { value: add('value'), min: Math.min(...parts.map((p) => p.values.min ?? 0)), max: add('max') };
  } else if (first.type === 'trend') values = mergeTrend(name, parts, hists);
  else throw new Error(`cannot merge the metric ${name} of type '${first.type}'`);
  const out: SummaryMetric = { type: first.type, ...(first.contains ? { contains: first.contains } : {}), values };
  const names = new Set(parts.flatMap((p) => Object.keys(p.thresholds ?? {})));
  if (names.size) {
    // Each process judged its own samples; the test passes a threshold only if every one did.
    out.thresholds = Object.fromEntries([...names].map((t) => [t, { ok: parts.every((p) => p.thresholds?.[t]?.ok !== false) }]));
  }
  return out;
}

/** The test's summary from its segments' summaries and points. One segment is returned as it is. */
export function mergeSummaries(segments: SegmentOutput[]): Summary {
  if (segments.length === 1) return segments[0]!.summary;
  const names = new Set(segments.flatMap((s) => Object.keys(s.summary.metrics)));
  const trends = new Set([...names].filter((n) => segments.some((s) => s.summary.metrics[n]?.type === 'trend')));
  const hists = segments.map((s) => trendHistograms(s.points, trends));
  const metrics: Record<string, SummaryMetric> = {};
  for (const name of names) {
    const present = segments.map((s, i) => ({ m: s.summary.metrics[name], h: hists[i]!.get(name) })).filter((x) => x.m !== undefined);
    metrics[name] = mergeMetric(name, present.map((x) => x.m!), present.map((x) => x.h));
  }
  for (const h of hists.flatMap((m) => [...m.values()])) h.destroy();
  return { metrics };
}
