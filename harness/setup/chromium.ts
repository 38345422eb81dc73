import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Where Debian's package puts chromium: the browser setup installs, Playwright launches and the report names. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

function apt(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', (e) => reject(new Error(`cannot run apt-get (${e.message}); install chromium with your package manager`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`apt-get ${args.join(' ')} failed with code ${code}`))));
  });
}

/** Debian's chromium (Playwright's own browser download cannot work on these machines). */
export async function ensureChromium(progress: (s: string) => void): Promise<string> {
  if (existsSync(CHROMIUM_PATH)) {
    const { stdout } = await run(CHROMIUM_PATH, ['--version']).catch(() => ({ stdout: 'chromium (version unknown)' }));
    progress(`${stdout.trim()} present at ${CHROMIUM_PATH}`);
    return CHROMIUM_PATH;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(`chromium is missing at ${CHROMIUM_PATH}: run 'sudo apt-get install -y chromium' (Debian's package)`);
  }
  progress('installing Debian chromium (apt-get update && apt-get install -y chromium)…');
  await apt(['update', '-qq']);
  await apt(['install', '-y', '-qq', 'chromium']);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is missing`);
  progress(`chromium installed at ${CHROMIUM_PATH}`);
  return CHROMIUM_PATH;
}
