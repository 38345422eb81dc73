import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report, ScenarioResult } from '../schema/report.ts';
import { faultSummary, faultWindows, type FaultKindSummary } from './faults.ts';

// chart.js's exports map hides the UMD bundle, so read it from the package folder.
const CHART_UMD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/chart.js/dist/chart.umd.min.js');
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
/** JSON inside <script>: `</script>` or `<!--` in data must not end the block. */
const safeJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const STYLE = `
body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:1rem 1.5rem}
h1{margin:.2rem 0}.verdict{padding:.8rem 1rem;border-radius:8px;margin:1rem 0;font-size:1.1rem}
.ok{background:#d9f5df}.bad{background:#f9d6d6}section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:1rem;margin:1rem 0}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceef2;vertical-align:top}
.passed,.caught{color:#137333;font-weight:600}.failed,.MISSED{color:#b3261e;font-weight:600}.flaky{color:#9a6700}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.chart{position:relative;height:280px}.muted{color:#6b7280}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:.8rem 1rem;margin-top:1rem}
.multiples figure{margin:0}.multiples figcaption{font-size:12px;height:3em;overflow:hidden}.small{position:relative;height:190px}
pre{white-space:pre-wrap;font-size:12px;background:#f6f7f9;padding:.5rem;border-radius:4px;max-height:12em;overflow:auto}`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A scenario's evidence: its timeline (in this page), Playwright trace, recorded history, failure diagnostics. */
function evidence(x: ScenarioResult, i: number): string {
  const links = [
    ...(x.timeline?.length ? [`<a href="#timeline-${i}">timeline</a>`] : []),
    ...(x.artifacts.trace ? [`<a href="${esc(x.artifacts.trace)}">trace</a>`] : []),
    ...(x.artifacts.history ? [`<a href="${esc(x.artifacts.history)}">history</a>`] : []),
    ...(x.artifacts.diagnostics ?? []).map((d) => `<a href="${esc(d)}">${esc(path.basename(d))}</a>`),
  ];
  return links.join(' ');
}

/** A timeline has a row per process and per fault kind: room for each row's label, at least the usual chart's. */
function timelineHeight(x: ScenarioResult): number {
  const rows = new Set(x.timeline?.map((e) => e.process)).size + new Set(faultWindows(x.faults).map((w) => w.kind)).size;
  return Math.max(280, 120 + rows * 20);
}

/** One row per scenario: each fault kind with its window count, clients and time, then the totals. */
function faultRow(x: ScenarioResult, i: number): string {
  const kinds = faultSummary(x.faults);
  const time = (k: FaultKindSummary) => [...(k.ended ? [seconds(k.totalMs)] : []), ...(k.unended ? [`${k.unended} not ended`] : []), ...(k.untimed ? [`${k.untimed} without times`] : [])].join(', ');
  const kindText = kinds.map((k) => `<div><b>${esc(k.kind)}</b> ×${k.windows}${k.clients.length ? ` on ${esc(k.clients.join(', '))}` : ' on every client'}: ${time(k)}</div>`).join('');
  const windows = kinds.reduce((n, k) => n + k.windows, 0);
  const total = kinds.reduce((n, k) => n + k.totalMs, 0);
  return `<tr><td><a href="#scenario-${i}">${esc(x.title)}</a></td><td>${kindText}</td><td>${windows}</td><td>${seconds(total)}</td></tr>\n`;
}

/** Which part of a sharded run the report holds: one shard, or the shards `report --merge` joined (and the ones it went without). */
export function shardLine(r: Report): string {
  if (r.shard) return `shard ${r.shard.index} of ${r.shard.total}`;
  if (!r.merged) return '';
  const { shards, missing, total } = r.merged;
  return `merged from shard${shards.length > 1 ? 's' : ''} ${shards.map((x) => x.index).join(', ')} of ${total}${missing.length ? `; shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing (excused by --allow-missing)` : ''}`;
}

/** index.html: opens from disk with no network; Chart.js and the data are inlined. */
export function toHtml(r: Report): string {
  const chartJs = readFileSync(CHART_UMD, 'utf8');
  const s = r.summary;
  const lat = s.latency;
  const rows = r.scenarios.map((x, i) => `<tr id="scenario-${i}"><td class="${x.status}">${x.status}</td><td>${esc(x.title)}<div class="muted">${esc(x.file)}</div>${x.error ? `<pre>${esc(x.error.replace(/\u001b\[[0-9;]*m/g, '').slice(0, 1500))}</pre>` : ''}</td>
    <td>${x.latency ? `${x.latency.p95} / ${x.latency.max}` : '<span class="muted">—</span>'}</td><td>${(x.durationMs / 1000).toFixed(1)} s</td>
    <td>${x.verdicts.map((v) => `<span class="${v.valid === false ? 'failed' : 'passed'}">${esc(v.name)}</span>`).join(' ')}</td>
    <td>${evidence(x, i)}</td></tr>`).join('\n');
  const plantedRows = r.planted.map((m) => `<tr><td>${esc(m.bug)}</td><td>${esc(m.scenario)}</td><td class="${m.caught ? 'caught' : 'MISSED'}">${m.caught ? 'caught' : 'MISSED'}</td><td>${esc(m.checker ?? '')}</td><td class="muted">${esc(m.detail)}</td></tr>`).join('\n');
  const faults = r.scenarios.map((x, i) => (x.faults.length ? faultRow(x, i) : '')).join('');
  const load = r.load.map((l) => `<tr><td>${esc(l.name)} (${esc(l.size)})</td><td class="${l.passed ? 'passed' : 'failed'}">${l.passed ? 'passed' : 'failed'}</td><td>${Object.entries(l.metrics).map(([k, v]) => `${esc(k)}=${v}`).join(', ')}</td><td>${l.baselineRatio !== undefined ? `${(l.baselineRatio * 100).toFixed(0)} % of raw ws` : ''}${(l.notes ?? []).map((n) => `<div class="muted">note: ${esc(n)}</div>`).join('')}</td></tr>`).join('\n');
  // A `syncwright load` report holds no browser run: say what it does hold instead of empty charts.
  const loadOnly = r.kind === 'load';
  const loadLine = (l: Report['load'][number]) => `${esc(l.name)} (${esc(l.size)}) ${l.passed ? 'passed' : 'FAILED'}${l.metrics.lost !== undefined ? `, ${l.metrics.lost} lost` : ''}${l.metrics.p99_ms !== undefined ? `, p99 ${l.metrics.p99_ms} ms` : ''}${l.baselineRatio !== undefined ? `, ${(l.baselineRatio * 100).toFixed(0)} % of raw ws` : ''}`;
  const verdict = loadOnly
    ? `${s.ok ? 'Load passed' : 'Load FAILED'}: ${r.load.map(loadLine).join('; ')}`
    : `${s.ok ? 'Sync is healthy' : 'Sync is NOT healthy'}: ${s.passed} passed, ${s.failed} failed, ${s.flaky} flaky;
planted bugs ${s.plantedCaught} caught, ${s.plantedMissed} missed${lat ? `; steady-state commit→DOM p95 ${lat.p95} ms, max ${lat.max} ms (budget p95 ≤ ${r.budget.p95} ms, max ≤ ${r.budget.max} ms)` : ''}${r.merged?.missing.length ? `; incomplete: shard${r.merged.missing.length > 1 ? 's' : ''} ${r.merged.missing.join(', ')} of ${r.merged.total} not merged` : ''}`;
  const slice = shardLine(r);
  const loadSection = `<section><h2>Load</h2>${load ? `<table><tbody>${load}</tbody></table>${r.load.map((l, i) => `<div class="chart"><canvas id="load-${i}" aria-label="${esc(l.name)} throughput and latency"></canvas></div><div class="chart"><canvas id="load-res-${i}" aria-label="${esc(l.name)} server RSS and CPU"></canvas></div>`).join('')}` : '<p class="muted">No load test in this run.</p>'}</section>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Syncwright ${esc(r.runId)}</title><style>${STYLE}</style></head><body><main>
<h1>Syncwright ${r.kind} report</h1>
<div class="muted">run ${esc(r.runId)} · ${esc(r.startedAt)} → ${esc(r.finishedAt)} · target ${esc(r.target.kind)} ${esc(r.target.appUrl ?? '')}${slice ? ` · <span id="shard">${esc(slice)}</span>` : ''}</div>
<div class="verdict ${s.ok ? 'ok' : 'bad'}" id="verdict">${verdict}</div>
${loadOnly ? `${loadSection}<section><h2>Conformance</h2><p class="muted">This report holds a load run only (<code>syncwright load</code>); scenarios and the planted-bug matrix are in the reports of <code>syncwright run</code>.</p></section>` : `<section><h2>How fast: commit → DOM latency</h2><p class="muted">Each sample is the time from the database commit of a change to the moment the browser's DOM showed it (MutationObserver), against the plan's 1–2 s budget.</p>
<div class="chart"><canvas id="hist" aria-label="latency histogram"></canvas></div>
<p class="muted">Latency CDF per scenario: the fraction of its samples (up) at or under a latency (across, ms); the dashed lines are the budget, p95 ${r.budget.p95} ms (orange) and max ${r.budget.max} ms (red).</p>
<div class="multiples">${r.scenarios.map((x, i) => (x.latency?.samples.length ? `<figure><figcaption><a href="#scenario-${i}">${esc(x.title)}</a></figcaption><div class="small"><canvas id="cdf-${i}" aria-label="latency CDF of ${esc(x.title)}"></canvas></div></figure>` : '')).join('')}</div></section>
<section id="scenarios"><h2>Scenarios</h2><table><thead><tr><th>status</th><th>scenario</th><th>p95 / max ms</th><th>time</th><th>checkers</th><th>artifacts</th></tr></thead><tbody>${rows}</tbody></table></section>
${r.scenarios.some((x) => x.timeline?.length) ? `<section><h2>Timelines of failed and random runs</h2><p class="muted">Every recorded operation per process over time (invoke, ok, fail, info), in the spirit of Jepsen's timelines; fault windows are the thick shaded bars, one row per kind of fault.</p>
${r.scenarios.map((x, i) => (x.timeline?.length ? `<h3 id="timeline-${i}"><a href="#scenario-${i}">${esc(x.title)}</a></h3><div class="chart" style="height:${timelineHeight(x)}px"><canvas id="timeline-chart-${i}" aria-label="timeline"></canvas></div>` : '')).join('')}</section>` : ''}
<section><h2>Planted-bug matrix</h2><p class="muted">Each planted bug (SYNC_PLANTED) is a known-wrong client or worker; the scenario that claims to check the behaviour must fail against it.</p>
${plantedRows ? `<table><thead><tr><th>planted bug</th><th>scenario</th><th>result</th><th>checker</th><th>how it was caught</th></tr></thead><tbody>${plantedRows}</tbody></table>` : '<p class="muted">Not run in this report.</p>'}</section>
<section id="faults"><h2>Faults injected</h2><p class="muted">Per scenario and kind: how many times the fault was in effect (a window, from its start to its end on one client, or on all), on which clients, and the windows' summed length.</p>
${faults ? `<table><thead><tr><th>scenario</th><th>faults</th><th>windows</th><th>total time</th></tr></thead><tbody>${faults}</tbody></table>` : '<p class="muted">None recorded.</p>'}</section>
${loadSection}`}
<section><h2>Environment</h2><pre>${esc(JSON.stringify(r.environment, null, 2))}</pre></section>
</main>
<script>${chartJs}</script>
<script id="report-data" type="application/json">${safeJson(r)}</script>
<script id="fault-windows" type="application/json">${safeJson(r.scenarios.map((x) => faultWindows(x.faults)))}</script>
<script>
const report = JSON.parse(document.getElementById('report-data').textContent);
const palette = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf'];
const withLatency = report.scenarios.filter(s => s.latency && s.latency.samples.length);
const maxX = Math.max(2200, ...withLatency.flatMap(s => s.latency.samples));
const faultWindows = JSON.parse(document.getElementById('fault-windows').textContent);
const faultColour = ['rgba(214,39,40,0.35)', 'rgba(148,103,189,0.4)', 'rgba(140,86,75,0.4)', 'rgba(227,119,194,0.4)', 'rgba(188,189,34,0.45)', 'rgba(23,190,207,0.4)'];
const budgetLine = (x, label, color) => ({ label, data: [{x, y: 0}, {x, y: 1}], borderColor: color, borderDash: [6, 4], pointRadius: 0, showLine: true });
window.charts = [];
if (document.getElementById('hist')) {
// Small multiples, one CDF per scenario on shared axes: a legend naming 20 scenarios would leave no room to plot.
report.scenarios.forEach((s, i) => {
  const canvas = document.getElementById('cdf-' + i);
  if (!canvas) return;
  const xs = [...s.latency.samples].sort((a, b) => a - b);
  window.charts.push(new Chart(canvas, { type: 'scatter', data: { datasets: [
    { label: s.title, data: xs.map((x, k) => ({x, y: (k + 1) / xs.length})), showLine: true, borderColor: palette[i % 10], pointRadius: 1.5 },
    budgetLine(report.budget.p95, 'budget p95', '#9a6700'), budgetLine(report.budget.max, 'budget max', '#b3261e') ] },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } },
      scales: { x: { type: 'linear', min: 0, max: maxX }, y: { min: 0, max: 1 } } } }));
});
const all = withLatency.flatMap(s => s.latency.samples);
const bins = Array.from({ length: 22 }, (_, i) => i * 100);
window.charts.push(new Chart(document.getElementById('hist'), { type: 'bar', data: { labels: bins.map(b => b < 2100 ? b + '–' + (b + 100) : '≥2100'),
  datasets: [{ label: 'samples', data: bins.map((b, i) => all.filter(v => i === bins.length - 1 ? v >= b : v >= b && v < b + 100).length), backgroundColor: bins.map(b => b >= report.budget.max ? '#d62728' : b >= report.budget.p95 ? '#ff7f0e' : '#2ca02c') }] },
  options: { animation: false, maintainAspectRatio: false, plugins: { title: { display: true, text: 'Latency histogram, all scenarios (orange over 1 s, red over 2 s)' } },
    scales: { x: { title: { display: true, text: 'commit → DOM (ms)' } }, y: { title: { display: true, text: 'samples' } } } } }));
}
report.scenarios.forEach((s, i) => {
  if (!s.timeline || !s.timeline.length) return;
  // Each fault kind gets a row of its own above the processes: on one row, overlapping windows hid each other.
  const faultKinds = [...new Set(faultWindows[i].map(w => w.kind))];
  const procs = [...[...new Set(s.timeline.map(e => e.process))].sort((a, b) => (a === 'nemesis') - (b === 'nemesis') || a.localeCompare(b)), ...faultKinds.map(k => 'fault: ' + k)];
  const y = p => procs.indexOf(p);
  const colour = { invoke: '#1f77b4', ok: '#2ca02c', fail: '#d62728', info: '#7f7f7f' };
  const end = Math.max(...s.timeline.map(e => e.t));
  // One dataset per fault kind, its windows apart by a gap (null), so the legend names each kind once.
  const kinds = {};
  for (const w of faultWindows[i]) {
    const row = y('fault: ' + w.kind);
    (kinds[w.kind] ??= []).push({ x: w.from / 1000, y: row }, { x: w.to === undefined ? end : w.to / 1000, y: row }, { x: w.from / 1000, y: null });
  }
  window.charts.push(new Chart(document.getElementById('timeline-chart-' + i), { type: 'scatter', data: { datasets: [
    ...Object.keys(colour).map(type => ({ label: type, data: s.timeline.filter(e => e.type === type && e.f !== 'fault').map(e => ({ x: e.t, y: y(e.process), f: e.f, l: e.label })), backgroundColor: colour[type], pointRadius: 4 })),
    ...Object.entries(kinds).map(([kind, data], k) => ({ label: 'fault ' + kind, data, showLine: true, spanGaps: false, borderColor: faultColour[k % faultColour.length], borderWidth: 10, pointRadius: 0 })) ] },
    options: { animation: false, maintainAspectRatio: false, plugins: { tooltip: { callbacks: { label: c => c.raw.f === undefined ? c.dataset.label : c.raw.f + ' ' + (c.raw.l || '') } } },
      scales: { x: { title: { display: true, text: 'time since start (s)' } }, y: { min: -1, max: procs.length, ticks: { stepSize: 1, autoSkip: false, callback: v => procs[v] ?? '' }, title: { display: true, text: 'process' } } } } }));
});
report.load.forEach((l, i) => {
  const opts = (title, left, right) => ({ animation: false, maintainAspectRatio: false, plugins: { title: { display: true, text: l.name + ' (' + l.size + '): ' + title } },
    scales: { x: { type: 'linear', title: { display: true, text: 's since k6 start' } }, y: { title: { display: true, text: left } }, y1: { position: 'right', title: { display: true, text: right } } } });
  const xy = (rows, key) => rows.map(p => ({ x: p.t, y: p[key] }));
  window.charts.push(new Chart(document.getElementById('load-' + i), { type: 'line', data: { datasets: [
    { label: 'deliveries/s', data: xy(l.series, 'throughput'), yAxisID: 'y', borderColor: '#1f77b4' },
    { label: 'p95 ms', data: xy(l.series, 'p95'), yAxisID: 'y1', borderColor: '#ff7f0e' },
    { label: 'p99 ms', data: xy(l.series, 'p99'), yAxisID: 'y1', borderColor: '#d62728' } ] }, options: opts('throughput and commit→receive latency', 'deliveries/s', 'ms') }));
  window.charts.push(new Chart(document.getElementById('load-res-' + i), { type: 'line', data: { datasets: [
    { label: 'server RSS MB', data: xy(l.resources, 'rssMb'), yAxisID: 'y', borderColor: '#2ca02c' },
    { label: 'server CPU % of a core', data: xy(l.resources, 'cpuPct'), yAxisID: 'y1', borderColor: '#9467bd' } ] }, options: opts('Realtime server resources', 'MB', '% CPU') }));
});
</script></body></html>`;
}
