import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Where Debian's package puts chromium: a headed run (--headed, --debug, --ui, PWDEBUG) launches it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/**
 * Debian's chromium-headless-shell: the same Chromium without the browser UI, and what Playwright
 * itself runs for headless Chromium. Headless runs launch it; measured on this project's 2-core
 * machine, the random workload checked 1.7× the operations a minute of the full browser for the
 * same seed, and the full browser, starved of CPU, broke the latency budget the shell kept.
 * The binary itself, not /usr/bin's wrapper script, which would leave a shell between Playwright
 * and the browser it kills.
 */
export const HEADLESS_SHELL_PATH = '/usr/lib/chromium/chromium-headless-shell';
const PACKAGES = [{ name: 'chromium', path: CHROMIUM_PATH }, { name: 'chromium-headless-shell', path: HEADLESS_SHELL_PATH }];

/** The browser a run launches: the headless shell unless the run shows its window (or the shell is missing). */
export function browserPath(headed: boolean): string {
  return !headed && existsSync(HEADLESS_SHELL_PATH) ? HEADLESS_SHELL_PATH : CHROMIUM_PATH;
}

function apt(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', (e) => reject(new Error(`cannot run apt-get (${e.message}); install chromium with your package manager`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`apt-get ${args.join(' ')} failed with code ${code}`))));
  });
}

/** Debian's chromium and its headless shell (Playwright's own browser download cannot work on these machines). */
export async function ensureChromium(progress: (s: string) => void): Promise<void> {
  const missing = PACKAGES.filter((p) => !existsSync(p.path));
  for (const p of PACKAGES.filter((x) => !missing.includes(x))) {
    const { stdout } = await run(p.path, ['--version']).catch(() => ({ stdout: `${p.name} (version unknown)` }));
    progress(`${stdout.trim()} present at ${p.path}`);
  }
  if (!missing.length) return;
  const names = missing.map((p) => p.name).join(' ');
  if (process.getuid?.() !== 0) throw new Error(`missing ${missing.map((p) => p.path).join(' and ')}: run 'sudo apt-get install -y ${names}' (Debian's packages)`);
  progress(`installing Debian ${names} (apt-get update && apt-get install -y ${names})…`);
  await apt(['update', '-qq']);
  await apt(['install', '-y', '-qq', ...missing.map((p) => p.name)]);
  for (const p of missing) {
    if (!existsSync(p.path)) throw new Error(`apt-get installed ${p.name} but ${p.path} is missing`);
    progress(`${p.name} installed at ${p.path}`);
  }
}
