import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { collectScenario } from './collect.ts';
import { plantedVerdicts } from './matrix.ts';
import { PLANTED, matrixFromEnv } from './planted.ts';
import { specResult } from './playwright.ts';
import { RESULTS_FILE, tally } from './results.ts';
import { RunResults, type ScenarioEntry } from '../schema/results.ts';

interface Spec { title: string; key: string; tests: TestCase[] }
interface Node { title: string; key: string; specs: Spec[]; suites: Node[] }

const key = (l: { file: string; line: number; column: number } | undefined) => (l ? `${l.file}:${l.line}:${l.column}` : '');

/**
 * The run's tests in the order Playwright's JSON reporter lists them (the order report.json has
 * always had, which names the scenarios' files): file by file in the order first met across
 * projects; in a file, the tests of a suite before its nested suites; one test (project, repeat)
 * after another for a title at a place.
 */
export function reportOrder(root: Suite): TestCase[] {
  const serialize = (suite: Suite): Node | undefined => {
    const entries = suite.entries();
    const suites = entries.filter((e): e is Suite => e.type !== 'test').map(serialize).filter((s): s is Node => s !== undefined);
    const tests = entries.filter((e): e is TestCase => e.type === 'test');
    if (!tests.length && !suites.length) return undefined;
    return { title: suite.title, key: key(suite.location), specs: tests.map((t) => ({ title: t.title, key: key(t.location), tests: [t] })), suites };
  };
  const merge = (to: Node, from: Node) => {
    for (const s of from.suites) {
      const mine = to.suites.find((x) => x.title === s.title && x.key === s.key);
      if (mine) merge(mine, s);
      else to.suites.push(s);
    }
    for (const s of from.specs) {
      const mine = to.specs.find((x) => x.title === s.title && x.key === s.key);
      if (mine) mine.tests.push(...s.tests);
      else to.specs.push(s);
    }
  };
  const files = new Map<string, Node>();
  for (const project of root.suites) {
    for (const file of project.suites) {
      const n = serialize(file);
      if (!n) continue;
      const f = file.location?.file ?? '';
      if (!files.has(f)) files.set(f, { title: n.title, key: n.key, specs: [], suites: [] });
      merge(files.get(f)!, n);
    }
  }
  const out: TestCase[] = [];
  const walk = (n: Node) => {
    for (const s of n.specs) out.push(...s.tests);
    for (const c of n.suites) walk(c);
  };
  for (const n of files.values()) walk(n);
  return out;
}

const planted = (t: TestCase) => (t.parent.project()?.name ?? '').startsWith(PLANTED);

/**
 * Our Playwright reporter: builds each scenario's report entry as its test ends (latency, verdicts,
 * faults, timeline, artifacts: harness/conformance/collect.ts) and, at the end, the planted-bug
 * verdicts of the matrix's projects (SYNCWRIGHT_MATRIX: plantedVerdicts), and writes them with their
 * counts to one file, `<outputDir>/results.json` (harness/schema/results.ts). `syncwright run`,
 * `explore`, the matrix and `npm test` read that file; nothing re-derives what it holds.
 */
export default class SyncwrightReporter implements Reporter {
  private dir = '';
  private rootDir = '';
  private order: TestCase[] = [];
  /** A scenario test's place among the run's scenarios: it names the test's files beside the report. */
  private readonly index = new Map<TestCase, number>();
  private readonly built = new Map<TestCase, Promise<Awaited<ReturnType<typeof collectScenario>>>>();

  /** outputDir: where results.json (and failures' diagnostics) go, relative to the config's directory. */
  constructor(private readonly options: { outputDir?: string } = {}) {}

  printsToStdio(): boolean {
    return false;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.rootDir = config.rootDir;
    this.dir = path.resolve(config.configFile ? path.dirname(config.configFile) : process.cwd(), this.options.outputDir ?? 'test-results');
    this.order = reportOrder(suite);
    let i = 0;
    for (const t of this.order) if (!planted(t)) this.index.set(t, i++);
  }

  onTestEnd(test: TestCase, _result?: TestResult): void {
    const i = this.index.get(test);
    if (i === undefined) return;
    // A retry ends the test again: its entry is built again, after the last build, from all its attempts.
    const before = this.built.get(test);
    const next = (before ?? Promise.resolve()).catch(() => undefined).then(() => collectScenario(specResult(test, this.rootDir), i, this.dir));
    next.catch(() => undefined); // awaited, and reported, in onEnd
    this.built.set(test, next);
  }

  /** The run's results: what results.json holds. */
  async results(): Promise<RunResults> {
    const scenarios: ScenarioEntry[] = [];
    const artifacts: Record<string, string> = {};
    for (const t of this.order) {
      const i = this.index.get(t);
      if (i === undefined) continue;
      // A test that never ran (interrupted run, a failed globalSetup) is a skipped scenario.
      const c = await (this.built.get(t) ?? collectScenario(specResult(t, this.rootDir), i, this.dir));
      scenarios.push(c.entry);
      Object.assign(artifacts, c.artifacts);
    }
    const matrix = matrixFromEnv();
    const verdicts = matrix.length ? plantedVerdicts(this.order.filter(planted).map((t) => specResult(t, this.rootDir)), matrix) : [];
    return RunResults.parse({ version: 1, scenarios, planted: verdicts, artifacts, summary: tally(scenarios.map((s) => s.result), verdicts) });
  }

  async onEnd(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    try {
      const results = await this.results();
      await mkdir(this.dir, { recursive: true });
      await writeFile(path.join(this.dir, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
      return undefined;
    } catch (err) {
      process.stderr.write(`syncwright reporter: could not build ${RESULTS_FILE}: ${(err as Error).stack ?? err}\n`);
      return { status: result.status === 'passed' ? 'failed' : result.status };
    }
  }
}
