import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'node_modules/@playwright/test/cli.js');

export interface PlaywrightRun { exitCode: number; reportDir: string; results?: PlaywrightJson }

export interface PlaywrightJson {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number; duration: number };
  suites: PwSuite[];
}
interface PwSuite { title: string; file?: string; specs?: PwSpec[]; suites?: PwSuite[] }
interface PwSpec { title: string; file: string; line: number; tests: { results: PwResult[]; status: string; projectName?: string }[] }
interface PwResult { status: string; duration: number; retry: number; error?: { message?: string }; errors?: { message?: string }[]; attachments: { name: string; path?: string; body?: string; contentType: string }[] }

/**
 * `status` judges against the expectation (a mutant's test is expected to fail); `outcome` is what the
 * last attempt did.
 */
export interface SpecResult { id: string; title: string; file: string; project: string; status: 'passed' | 'failed' | 'flaky' | 'skipped'; outcome: string; durationMs: number; retries: number; error?: string; attachments: PwResult['attachments'] }

/** Runs Playwright on the scenarios with a JSON and JUnit reporter into reportDir; output streams through. */
export function runPlaywright(args: string[], env: Record<string, string>, opts: { quiet?: boolean } = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'test', ...args], {
      cwd: ROOT, env: { ...process.env, ...env }, stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    if (opts.quiet) { child.stdout?.resume(); child.stderr?.resume(); }
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

export async function readResults(reportDir: string): Promise<SpecResult[]> {
  const json = JSON.parse(await readFile(path.join(reportDir, 'playwright.json'), 'utf8')) as PlaywrightJson;
  const out: SpecResult[] = [];
  const walk = (s: PwSuite) => {
    for (const spec of s.specs ?? []) {
      for (const t of spec.tests) {
        const last = t.results[t.results.length - 1];
        const status = t.status === 'expected' ? 'passed' : t.status === 'flaky' ? 'flaky' : t.status === 'skipped' ? 'skipped' : 'failed';
        out.push({
          id: `${spec.file}:${spec.line}`, title: spec.title, file: spec.file, project: t.projectName ?? '', status, outcome: last?.status ?? 'skipped',
          durationMs: t.results.reduce((a, r) => a + r.duration, 0), retries: Math.max(0, t.results.length - 1),
          error: last?.error?.message ?? last?.errors?.[0]?.message, attachments: last?.attachments ?? [],
        });
      }
    }
    for (const child of s.suites ?? []) walk(child);
  };
  for (const s of json.suites) walk(s);
  return out;
}
