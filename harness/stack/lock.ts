import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One `up` per state dir. A lock left by a killed run is explained and replaced; a live one is an
 * error naming its pid, never a hang.
 */
export async function takeLock(dir: string, onLog: (s: string) => void): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'up.lock');
  const prior = await readFile(file, 'utf8').catch(() => undefined);
  if (prior) {
    const pid = Number(prior.trim());
    if (Number.isInteger(pid) && alive(pid) && pid !== process.pid) {
      throw new Error(`another 'syncwright up' (pid ${pid}) owns ${dir}; stop it first (kill ${pid}), or run the second one from another directory with --port-base 0; if pid ${pid} is not a syncwright up, remove ${file}`);
    }
    onLog(`removing stale lock ${file} left by dead pid ${prior.trim()} (a killed run)`);
  }
  await writeFile(file, String(process.pid));
  return () => rm(file, { force: true });
}
