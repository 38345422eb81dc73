// The planted-bug matrix as a test: fails unless every SYNC_PLANTED is caught by its scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMatrix } from './matrix.ts';

test('every planted bug is caught by the scenario that claims it', { timeout: 900_000 }, async () => {
  const results = await runMatrix((l) => process.stderr.write(`${l}\n`));
  const missed = results.filter((r) => !r.caught);
  assert.deepEqual(missed.map((r) => `${r.bug} (${r.scenario}): ${r.detail}`), []);
});
