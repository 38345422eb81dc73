// `.syncwright/`: where `syncwright up` records the stack it runs (stack.json, contract section 1)
// beside its lock, and where other commands (`syncwright load`) find that stack. Every reader and
// writer goes through here so they agree on one place.
//
// The anchor is the current working directory, never the repository: two `up`s started from two
// directories (with --port-base 0) then share no lock and no stack.json and can run side by side
// (harness/stack/up.test.ts), and a command finds the stack of the `up` started where it runs.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StackInfo } from '../schema/stack.ts';

/** The state directory for the working directory `cwd`. */
export function stateDir(cwd = process.cwd()): string {
  return path.resolve(cwd, '.syncwright');
}

export function stackFile(dir = stateDir()): string {
  return path.join(dir, 'stack.json');
}

/** Writes stack.json whole (a temp file renamed over it), so a reader never sees half of one. */
export async function writeStackFile(info: StackInfo, dir = stateDir()): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = stackFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(StackInfo.parse(info), null, 2)}\n`);
  await rename(tmp, file);
  return file;
}

/**
 * The stack.json in `dir`, or undefined when there is none or it is not a StackInfo (a file from an
 * older version, or not JSON): either way there is no stack this version can use. Whether its
 * processes still run is the caller's question.
 */
export async function readStackFile(dir = stateDir()): Promise<StackInfo | undefined> {
  const text = await readFile(stackFile(dir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = StackInfo.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Removes stack.json when its stack stops, so no later command takes a dead stack for a running one. */
export async function removeStackFile(dir = stateDir()): Promise<void> {
  await rm(stackFile(dir), { force: true });
}
