import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readStackFile, removeStackFile, stackFile, stateDir, writeStackFile } from './state.ts';
import type { StackInfo } from '../schema/stack.ts';

const info: StackInfo = {
  supabaseUrl: 'http://127.0.0.1:54321', anonKey: 'a', serviceRoleKey: 's', jwtSecret: 'j',
  dbUrl: 'postgresql://postgres:postgres@127.0.0.1:54322/postgres', users: [], pid: 1,
};

test('the state dir is .syncwright under the working directory, not the repository', () => {
  assert.equal(stateDir('/some/where'), '/some/where/.syncwright');
  assert.equal(stateDir(), path.join(process.cwd(), '.syncwright'));
  assert.equal(stackFile('/x/.syncwright'), '/x/.syncwright/stack.json');
});

test('what up writes, load reads back; removed, it reads as none', async () => {
  const dir = stateDir(await mkdtemp(path.join(os.tmpdir(), 'syncwright-state-')));
  const file = await writeStackFile(info, dir);
  assert.equal(file, stackFile(dir));
  assert.deepEqual(await readStackFile(dir), info);
  assert.deepEqual(await readdir(dir), ['stack.json'], 'no temp file left behind');
  await removeStackFile(dir);
  assert.equal(await readStackFile(dir), undefined);
  await removeStackFile(dir);
});

test('a file that is not JSON or not a StackInfo is no stack', async () => {
  const dir = stateDir(await mkdtemp(path.join(os.tmpdir(), 'syncwright-state-')));
  await mkdir(dir);
  await writeFile(stackFile(dir), '{"supabaseUrl": "http://127.0.0.1:1", "anon');
  assert.equal(await readStackFile(dir), undefined);
  await writeFile(stackFile(dir), JSON.stringify({ supabaseUrl: 'not a url' }));
  assert.equal(await readStackFile(dir), undefined);
});

test('writing refuses what is not a StackInfo', async () => {
  const dir = stateDir(await mkdtemp(path.join(os.tmpdir(), 'syncwright-state-')));
  await assert.rejects(writeStackFile({ ...info, supabaseUrl: 'nope' }, dir));
});
