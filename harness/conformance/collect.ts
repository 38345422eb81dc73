import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { summarize } from '../history/budget.ts';
import { History, clientOperations } from '../history/recorder.ts';
import type { ScenarioResult } from '../schema/report.ts';
import type { ScenarioEntry } from '../schema/results.ts';
import type { Verdict } from '../schema/history.ts';
import type { Attachment, SpecResult } from './playwright.ts';

async function attachment(a: Attachment | undefined): Promise<string | undefined> {
  if (!a) return undefined;
  if (a.body) return a.body.toString('utf8');
  if (a.path) return readFile(a.path, 'utf8').catch(() => undefined);
  return undefined;
}

/**
 * One test's Playwright result + our attachments (latency, verdicts, history, counterexample) → its
 * report scenario; `i` (its place among the run's scenarios) names its files beside the report.
 */
export async function collectScenario(s: SpecResult, i: number, reportDir: string): Promise<{ entry: ScenarioEntry; artifacts: Record<string, string> }> {
  const artifacts: Record<string, string> = {};
  const find = (name: string) => s.attachments.find((a) => a.name === name);
  const latencyText = await attachment(find('latency.json'));
  const verdictText = await attachment(find('verdicts.json'));
  const historyText = await attachment(find('history.jsonl'));
  const counterexampleText = await attachment(find('counterexample.json'));
  const samples: number[] = latencyText ? (JSON.parse(latencyText) as { samples: number[] }).samples : [];
  const verdicts: Verdict[] = verdictText ? JSON.parse(verdictText) : [];
  const entries = historyText ? History.parse(historyText) : [];
  const faults = entries.filter((e) => e.f === 'fault').map((e) => ({
    kind: String(e.value.kind), phase: String(e.value.phase), time: e.time, client: e.value.client ? String(e.value.client) : undefined,
  }));
  const art: ScenarioResult['artifacts'] = {};
  // An attachment kept beside the report under `name`: an inline one is written there, a file one copied.
  const keep = async (name: string, a: Attachment): Promise<void> => {
    if (a.path) {
      artifacts[name] = a.path;
      return;
    }
    const file = path.join(reportDir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, a.body!);
    artifacts[name] = file;
  };
  const history = find('history.jsonl');
  if (historyText && history) {
    art.history = `histories/${i}.jsonl`;
    await keep(art.history, history);
  }
  // Inline attachments (frames, stack log) of a failure become files beside the report.
  if (s.status !== 'passed') {
    const diag = s.attachments.filter((a) => a.body && (/^frames-.*\.json$/.test(a.name) || a.name === 'stack.log'));
    for (const a of diag) {
      const name = `diagnostics/${i}/${a.name}`;
      await keep(name, a);
      (art.diagnostics ??= []).push(name);
    }
  }
  const trace = find('trace')?.path;
  if (trace && s.status !== 'passed') {
    art.trace = `traces/${i}.zip`;
    artifacts[art.trace] = trace;
  }
  const timeline = entries.length && (s.status !== 'passed' || /random/i.test(s.title))
    ? entries.slice(0, 2000).map((e) => ({ t: Math.round(e.time) / 1000, process: e.process, type: e.type, f: e.f,
      label: String(e.value.kind ?? e.value.name ?? e.value.entityId ?? '').slice(0, 60) }))
    : undefined;
  const result: ScenarioResult = {
    timeline,
    id: s.id, title: s.title, file: s.file, status: s.status, durationMs: Math.round(s.durationMs), retries: s.retries,
    error: s.error, latency: samples.length ? { ...summarize(samples), samples } : undefined, verdicts, faults, artifacts: art,
  };
  return {
    entry: { result, clientOperations: clientOperations(entries), ...(counterexampleText ? { counterexample: JSON.parse(counterexampleText) as unknown } : {}) },
    artifacts,
  };
}
