// `npm test`'s closing count must be node:test's real one on every supported Node: a suite of known
// size, run the way scripts/test-all.mjs runs the unit tests. Node 24 once closed with 0 unit tests
// because its default reporter is not TAP. More Node binaries to check: SYNCWRIGHT_TEST_NODES
// (colon-separated paths; .ci/run passes its Node 24).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { runNodeTests, tapCounts } from './node-tests.mjs';

const SUITE = 'scripts/count-fixture/suite.mjs';
const nodes = [...new Set([process.execPath, ...(process.env.SYNCWRIGHT_TEST_NODES ?? '').split(':').filter(Boolean)])];

// The run under test must not think it is a child of ours: node:test then writes its own protocol, not reports.
const env = { ...process.env };
delete env.NODE_TEST_CONTEXT;

for (const node of nodes) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  test(`the closing count is the suite's real one on Node ${version} (${node})`, async () => {
    const { code, counts } = await runNodeTests(node, [SUITE], { env, stderr: 'ignore' });
    assert.equal(code, 1, 'the suite has a failing test');
    assert.deepEqual(counts, { tests: 8, passed: 5, failed: 1, skipped: 1, todo: 1 });
  });
}

test('no closing count is undefined, not zero', () => {
  assert.equal(tapCounts('ℹ tests 3\nℹ pass 3\nℹ fail 0\n'), undefined, 'spec output is not read as TAP');
  assert.equal(tapCounts(''), undefined);
});

test('a cancelled test counts as failed', () => {
  assert.deepEqual(tapCounts('# tests 3\n# pass 1\n# fail 1\n# cancelled 1\n# skipped 0\n# todo 0\n'), { tests: 3, passed: 1, failed: 2, skipped: 0, todo: 0 });
});
