// A suite of known size for scripts/node-tests.test.ts (not a *.test.ts, so `npm test` never runs it
// on its own): 8 tests, of them 5 pass (one with two subtests, which count too), 1 fails, 1 skipped, 1 todo.
import { test, describe, it } from 'node:test';

test('passes', () => {});
test('has two subtests', async (t) => {
  await t.test('one', () => {});
  await t.test('two', () => {});
});
describe('a suite', () => {
  it('passes too', () => {});
  it('fails on purpose', () => { throw new Error('the failure the count must see'); });
});
test.skip('skipped', () => {});
test.todo('todo');
