import { parseFlags, type Command } from './command.ts';
import { CHROMIUM_PATH, HEADLESS_SHELL_PATH, ensureChromium } from '../setup/chromium.ts';
import { ensureK6, K6_VERSION } from '../setup/k6.ts';

const usage = `usage: syncwright setup [--no-chromium] [--no-k6]

Installs what runs need, each only when missing:
  - Debian's chromium at ${CHROMIUM_PATH} and its headless shell at ${HEADLESS_SHELL_PATH}
    (apt-get; Playwright's browser download cannot work here). Headless runs use the shell.
  - k6 ${K6_VERSION}, built once with 'go install go.k6.io/k6/v2@${K6_VERSION}' into ~/.cache/syncwright/bin
    (or $SYNCWRIGHT_BIN_DIR)`;

export const command: Command = {
  name: 'setup',
  summary: 'install chromium (and its headless shell) and k6',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, { 'no-chromium': { type: 'boolean' }, 'no-k6': { type: 'boolean' } });
    const progress = (l: string) => process.stderr.write(`syncwright setup: ${l}\n`);
    try {
      if (!values['no-chromium']) await ensureChromium(progress);
      if (!values['no-k6']) await ensureK6(progress);
    } catch (err) {
      progress(`failed: ${(err as Error).message}`);
      return 1;
    }
    return 0;
  },
};
