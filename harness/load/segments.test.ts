// A test spread over k6 processes: each gets the segment k6-operator would give its pod, and their
// summaries merge into the summary of the whole test (percentiles from added histograms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segmentArgs } from './segments.ts';
import { mergeSummaries, type SegmentOutput } from './merge.ts';
import { summarize } from '../history/budget.ts';
import { segmentFile } from './k6.ts';

test('segment i of N is (i-1)/N:i/N of the sequence 0,1/N,…,1, as k6-operator gives its runners', () => {
  assert.deepEqual(segmentArgs(1, 1), [], 'one process is a plain run');
  assert.deepEqual(segmentArgs(1, 2), ['--execution-segment=0:1/2', '--execution-segment-sequence=0,1/2,1']);
  assert.deepEqual(segmentArgs(2, 2), ['--execution-segment=1/2:1', '--execution-segment-sequence=0,1/2,1']);
  assert.deepEqual(segmentArgs(2, 3), ['--execution-segment=1/3:2/3', '--execution-segment-sequence=0,1/3,2/3,1']);
  assert.throws(() => segmentArgs(3, 2), /segment 3 of 2/);
  assert.throws(() => segmentArgs(0, 2), /segment 0 of 2/);
});

test('each segment keeps its own summary, points and config file', () => {
  assert.equal(segmentFile('/t/realtime-summary.json', 1, 1), '/t/realtime-summary.json');
  assert.equal(segmentFile('/t/realtime-summary.json', 2, 3), '/t/realtime-summary-2.json');
  assert.equal(segmentFile('/t/points.jsonl', 1, 2), '/t/points-1.jsonl');
});

const point = (metric: string, value: number, tags: Record<string, string> = {}) =>
  JSON.stringify({ metric, type: 'Point', data: { time: '2026-01-01T00:00:00Z', value, tags } });

/** A segment whose summary says what k6 would for these latency samples and counts. */
function segment(latencies: number[], delivered: number, checks: { passes: number; fails: number }, p99ok = true): SegmentOutput {
  const s = summarize(latencies);
  return {
    summary: {
      metrics: {
        realtime_latency_ms: {
          type: 'trend', contains: 'time', thresholds: { 'p(99)<1000': { ok: p99ok } },
          values: { avg: latencies.reduce((a, b) => a + b, 0) / latencies.length, min: Math.min(...latencies), med: s.p50, max: s.max, 'p(90)': 0, 'p(95)': s.p95, 'p(99)': s.p99 },
        },
        realtime_delivered: { type: 'counter', contains: 'default', values: { count: delivered, rate: delivered / 10 } },
        checks: { type: 'rate', contains: 'default', values: { rate: checks.passes / (checks.passes + checks.fails), ...checks } },
        vus: { type: 'gauge', contains: 'default', values: { value: 3, min: 0, max: 5 } },
      },
    },
    points: [...latencies.map((v) => point('realtime_latency_ms', v)), point('realtime_delivered', delivered, { user: 'u' })].join('\n'),
  };
}

test('counters and rates add; trend percentiles are those of every sample, not an average of percentiles', () => {
  // A fast segment and a slow one: the test's median lies in the slow one, and averaging the two
  // medians (5 and 400) would give about 200, which no sample is near.
  const fast = Array.from({ length: 300 }, (_, i) => 1 + (i % 10));
  const slow = Array.from({ length: 700 }, (_, i) => 300 + (i % 200));
  const merged = mergeSummaries([segment(fast, 300, { passes: 10, fails: 0 }), segment(slow, 700, { passes: 9, fails: 1 })]);
  const all = summarize([...fast, ...slow]);
  const lat = merged.metrics.realtime_latency_ms!.values;
  assert.equal(lat.med, all.p50);
  assert.equal(lat['p(95)'], all.p95);
  assert.equal(lat['p(99)'], all.p99);
  assert.ok(Math.abs(lat.med! - all.p50) < 1 && lat.med! > 300, `median ${lat.med} lies among the slow samples`);
  assert.equal(lat.min, 1);
  assert.equal(lat.max, 499);
  assert.ok(Math.abs(lat.avg! - [...fast, ...slow].reduce((a, b) => a + b, 0) / 1000) < 1e-9, 'avg weighted by samples');
  assert.deepEqual(merged.metrics.realtime_delivered!.values, { count: 1000, rate: 100 });
  assert.deepEqual(merged.metrics.checks!.values, { rate: 19 / 20, passes: 19, fails: 1 });
  assert.deepEqual(merged.metrics.vus!.values, { value: 6, min: 0, max: 10 });
});

test('a threshold holds for the test only when every segment held it', () => {
  const merged = mergeSummaries([segment([5], 1, { passes: 1, fails: 0 }), segment([2000], 1, { passes: 1, fails: 0 }, false)]);
  assert.deepEqual(merged.metrics.realtime_latency_ms!.thresholds, { 'p(99)<1000': { ok: false } });
});

test('a metric only some segments report merges from those; one segment is its own summary', () => {
  const a = segment([5, 6], 2, { passes: 1, fails: 0 });
  const b = segment([7], 1, { passes: 1, fails: 0 });
  delete b.summary.metrics.realtime_delivered;
  assert.equal(mergeSummaries([a, b]).metrics.realtime_delivered!.values.count, 2);
  assert.equal(mergeSummaries([a]), a.summary);
});
