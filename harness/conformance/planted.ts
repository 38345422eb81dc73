import path from 'node:path';
import { CATALOGUE, type PlantedEntry } from './catalogue.ts';

/**
 * The matrix's Playwright projects. A project costs a worker process (and a browser) per spec file,
 * so browser planted bugs are packed: project `planted-N` holds the N-th planted bug of each spec file, and a
 * test finds its planted bug from its file alone. A worker planted bug needs a stack of its own: a project each.
 */
export const PLANTED = 'planted-';

/** The project of the scenarios themselves (playwright.config.ts), beside the matrix's. */
export const SCENARIOS = 'scenarios';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The planted bugs a run's matrix holds: SYNCWRIGHT_MATRIX, comma-separated names. */
export function matrixFromEnv(): PlantedEntry[] {
  return selectPlanted((process.env.SYNCWRIGHT_MATRIX ?? '').split(',').filter(Boolean));
}

export function selectPlanted(names: string[]): PlantedEntry[] {
  return names.map((name) => {
    const m = CATALOGUE.find((x) => x.name === name);
    if (!m) throw new Error(`unknown planted bug '${name}' (${CATALOGUE.map((x) => x.name).join(', ')})`);
    return m;
  });
}

/** Browser bugs by project slot: slot k holds at most one planted bug a spec file. */
function slots(bugs: readonly PlantedEntry[]): PlantedEntry[][] {
  const out: PlantedEntry[][] = [];
  for (const m of bugs.filter((x) => !x.inWorker)) {
    const free = out.find((slot) => !slot.some((x) => x.caughtBy === m.caughtBy));
    if (free) free.push(m);
    else out.push([m]);
  }
  return out;
}

export interface PlantedProject { name: string; testMatch: string[]; grep: RegExp[]; use: { stackEnv?: Record<string, string> } }

export function plantedProjects(bugs: readonly PlantedEntry[]): PlantedProject[] {
  const claim = (m: PlantedEntry) => new RegExp(`${escapeRe(m.caughtBy)}\\.spec\\.ts .*${m.test ? escapeRe(m.test) : ''}`);
  const browser = slots(bugs).map((slot, k) => ({
    name: `${PLANTED}${k + 1}`, testMatch: slot.map((m) => `${m.caughtBy}.spec.ts`), grep: slot.map(claim), use: {},
  }));
  const worker = bugs.filter((m) => m.inWorker).map((m) => ({
    name: `${PLANTED}${m.name}`, testMatch: [`${m.caughtBy}.spec.ts`], grep: [claim(m)], use: { stackEnv: { SYNC_PLANTED: m.name } },
  }));
  return [...browser, ...worker];
}

/** Which planted bug a test of a planted project runs with (the same answer for the fixture and the verdict). */
export function plantedFor(bugs: readonly PlantedEntry[], project: string, file: string): PlantedEntry | undefined {
  if (!project.startsWith(PLANTED)) return undefined;
  const spec = path.basename(file).replace(/\.spec\.ts$/, '');
  const own = bugs.find((m) => m.inWorker && project === `${PLANTED}${m.name}`);
  if (own) return own;
  const k = Number(project.slice(PLANTED.length)) - 1;
  return slots(bugs)[k]?.find((m) => m.caughtBy === spec);
}
