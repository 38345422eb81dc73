import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFreshDb } from '../stack/fresh-db.ts';
import { DEFAULT_JWT_SECRET } from '../stack/keys.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Run { code: number | null; stdout: string; stderr: string }

function run(args: string[], opts: { until?: RegExp; onMatch?: (m: RegExpMatchArray, kill: () => void) => void; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    let matched = false;
    child.stdout.on('data', (c: Buffer) => { stdout += c; });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
      const m = opts.until && !matched ? stderr.match(opts.until) : null;
      if (m) {
        matched = true;
        opts.onMatch?.(m, () => child.kill('SIGTERM'));
      }
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('--help prints the usage and exits 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--db-url/);
  assert.match(r.stdout, /--jwt-secret/);
});

test('an unknown flag or a missing required flag exits 2 naming it', async () => {
  const unknown = await run(['--prot', '1']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--prot/);
  const missing = await run(['--port', '0', '--jwt-secret', 's']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--db-url is required/);
});

test('a bad SYNCWRIGHT_RT_SUBSCRIBE_DELAY_MS exits 2 naming it', async () => {
  const r = await run(['--port', '0', '--db-url', 'postgresql://127.0.0.1:1/none', '--jwt-secret', 's'], { env: { SYNCWRIGHT_RT_SUBSCRIBE_DELAY_MS: '2s' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /SYNCWRIGHT_RT_SUBSCRIBE_DELAY_MS must be a whole number of milliseconds, got '2s'/);
});

test('a bad --realtime-profile exits 2 with one line naming the flag and the allowed values', async () => {
  const r = await run(['--port', '0', '--db-url', 'postgresql://127.0.0.1:1/none', '--jwt-secret', 's', '--realtime-profile', 'kind']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), "realtime: --realtime-profile must be one of faithful, ideal, got 'kind'");
});

test('a bad [realtime] limit in --config is refused before anything starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-rt-main-'));
  try {
    const config = join(dir, 'config.toml');
    writeFileSync(config, '[realtime]\nmax_events_per_second = -5\n');
    const r = await run(['--port', '0', '--db-url', 'postgresql://127.0.0.1:1/none', '--jwt-secret', 's', '--config', config]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /max_events_per_second must be a positive integer/);
    assert.doesNotMatch(r.stderr, /listening on/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the process serves /health and stops cleanly on SIGTERM', async () => {
  const db = await startFreshDb();
  try {
    let health = 0;
    const r = await run(['--port', '0', '--db-url', db.url, '--jwt-secret', DEFAULT_JWT_SECRET], {
      until: /listening on (http:\/\/\S+)/,
      onMatch: (m, kill) => {
        void (async () => {
          for (let i = 0; i < 50 && health !== 200; i++) {
            health = (await fetch(`${m[1]}/health`)).status;
            if (health !== 200) await new Promise((res) => setTimeout(res, 100));
          }
          kill();
        })();
      },
    });
    assert.equal(health, 200);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await db.stop();
  }
});
