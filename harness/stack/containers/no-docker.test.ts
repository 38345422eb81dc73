// `up --provider testcontainers` where no Docker answers: one line naming the cause and the fix,
// exit 1 as any start-up failure, and nothing made or left running. Docker's absence is staged (a
// probe that fails as testcontainers' does), so these hold on a Docker host too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bootContainerStack } from './up.ts';
import { NO_DOCKER, requireDocker } from './docker.ts';
import { ROOT } from '../../root.ts';

const BIN = path.join(ROOT, 'bin/syncwright.mjs');
const HOOKS = path.join(ROOT, 'harness/stack/containers/no-docker.hooks.mjs');
const noDocker = async () => { throw new Error('Could not find a working container runtime strategy'); };

test("Docker's absence is one line naming the flag, the places looked and the way out, with testcontainers' reason", async () => {
  const err = await requireDocker(noDocker).then(() => assert.fail('should fail'), (e: Error) => e);
  assert.equal(err.message, `${NO_DOCKER} (Could not find a working container runtime strategy)`);
  assert.match(err.message, /^--provider testcontainers needs Docker, .*DOCKER_HOST.*\/var\/run\/docker\.sock.*; start Docker, or use --provider local \(/);
  assert.equal(err.message.includes('\n'), false);
  await requireDocker(async () => ({}));
});

test('the boot fails before it makes the data dir', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sw-nodocker-'));
  const dataDir = path.join(dir, 'data');
  try {
    const err = await bootContainerStack({ portBase: 0, dataDir, dockerProbe: noDocker, app: false, workers: 0 })
      .then(() => assert.fail('boot should have failed'), (e: Error) => e);
    assert.match(err.message, /^--provider testcontainers needs Docker/);
    assert.equal(existsSync(dataDir), false, 'no data dir made');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('syncwright up --provider testcontainers without Docker: one line, exit 1, no stack trace, nothing left in the directory', { timeout: 60_000 }, async () => {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'sw-nodocker-cli-'));
  try {
    const child = spawn(process.execPath, ['--import', HOOKS, BIN, 'up', '--provider', 'testcontainers', '--port-base', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    assert.equal(await new Promise((r) => child.once('exit', r)), 1);
    assert.equal(err, `syncwright up: failed: ${NO_DOCKER} (Could not find a working container runtime strategy)\n`);
    assert.equal(out, '', 'no ready line');
    assert.deepEqual(await readdir(cwd), [], 'no .syncwright/ (stack.json, up.lock) left');
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
