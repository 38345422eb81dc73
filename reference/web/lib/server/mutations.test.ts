// Idempotency on mutationId against real Postgres: two requests of one mutation at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startFreshDb } from '../../../../harness/stack/fresh-db.ts';
import { ALICE } from '../../../../harness/stack/seed-users.ts';
import type { PostgresHandle } from '../../../../harness/stack/postgres.ts';
import { once, type Outcome } from './mutations.ts';

let pgh: PostgresHandle;
let pool: pg.Pool;

before(async () => {
  pgh = await startFreshDb();
  pool = new pg.Pool({ connectionString: pgh.url, max: 4 });
});
after(async () => {
  await pool.end();
  await pgh.stop();
});

test('a mutation sent twice at once is applied once, and both requests get its outcome', async () => {
  const mutationId = randomUUID();
  let applied = 0;
  const request = async (): Promise<Outcome> => {
    const c = await pool.connect();
    try {
      await c.query('begin');
      const out = await once(c, ALICE.id, mutationId, 'rename', null, async () => {
        applied++;
        await new Promise((r) => setTimeout(r, 200)); // the other request arrives meanwhile
        return { status: 200, body: { applied } };
      });
      await c.query('commit');
      return out;
    } catch (err) {
      await c.query('rollback');
      throw err;
    } finally {
      c.release();
    }
  };
  const [a, b] = await Promise.all([request(), request()]);
  assert.equal(applied, 1, 'applied once');
  assert.deepEqual(a, { status: 200, body: { applied: 1 } });
  assert.deepEqual(b, a, 'the second request gets the first one\'s outcome');
});
