#!/usr/bin/env node
// Runs before `npm test` and the main job on a fresh clone: plain Node, no dependencies, so it can
// install them. npm ci only when node_modules is missing or older than the lock file.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.error('syncwright: installing npm dependencies (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
// chromium and k6: `syncwright setup` is idempotent and fast when both are present.
execFileSync(process.execPath, ['bin/syncwright.mjs', 'setup'], { stdio: 'inherit' });
