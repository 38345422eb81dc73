import path from 'node:path';
import { MUTANTS, type Mutant } from './catalogue.ts';

/**
 * The matrix's Playwright projects. A project costs a worker process (and a browser) per spec file,
 * so browser mutants are packed: project `planted-N` holds the N-th mutant of each spec file, and a
 * test finds its mutant from its file alone. A worker mutant needs a stack of its own: a project each.
 */
export const PLANTED = 'planted-';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The mutants a run's matrix holds: SYNCWRIGHT_MATRIX, comma-separated names. */
export function matrixFromEnv(): Mutant[] {
  return selectMutants((process.env.SYNCWRIGHT_MATRIX ?? '').split(',').filter(Boolean));
}

export function selectMutants(names: string[]): Mutant[] {
  return names.map((name) => {
    const m = MUTANTS.find((x) => x.name === name);
    if (!m) throw new Error(`unknown mutant '${name}' (${MUTANTS.map((x) => x.name).join(', ')})`);
    return m;
  });
}

/** Browser mutants by project slot: slot k holds at most one mutant a spec file. */
function slots(mutants: readonly Mutant[]): Mutant[][] {
  const out: Mutant[][] = [];
  for (const m of mutants.filter((x) => !x.inWorker)) {
    const free = out.find((slot) => !slot.some((x) => x.caughtBy === m.caughtBy));
    if (free) free.push(m);
    else out.push([m]);
  }
  return out;
}

export interface PlantedProject { name: string; testMatch: string[]; grep: RegExp[]; use: { stackEnv?: Record<string, string> } }

export function plantedProjects(mutants: readonly Mutant[]): PlantedProject[] {
  const claim = (m: Mutant) => new RegExp(`${escapeRe(m.caughtBy)}\\.spec\\.ts .*${m.test ? escapeRe(m.test) : ''}`);
  const browser = slots(mutants).map((slot, k) => ({
    name: `${PLANTED}${k + 1}`, testMatch: slot.map((m) => `${m.caughtBy}.spec.ts`), grep: slot.map(claim), use: {},
  }));
  const worker = mutants.filter((m) => m.inWorker).map((m) => ({
    name: `${PLANTED}${m.name}`, testMatch: [`${m.caughtBy}.spec.ts`], grep: [claim(m)], use: { stackEnv: { SYNC_MUTANT: m.name } },
  }));
  return [...browser, ...worker];
}

/** Which mutant a test of a planted project runs with (the same answer for the fixture and the verdict). */
export function mutantFor(mutants: readonly Mutant[], project: string, file: string): Mutant | undefined {
  if (!project.startsWith(PLANTED)) return undefined;
  const spec = path.basename(file).replace(/\.spec\.ts$/, '');
  const own = mutants.find((m) => m.inWorker && project === `${PLANTED}${m.name}`);
  if (own) return own;
  const k = Number(project.slice(PLANTED.length)) - 1;
  return slots(mutants)[k]?.find((m) => m.caughtBy === spec);
}
