import type pg from 'pg';
import { NextResponse } from 'next/server';

export interface Outcome { status: number; body: unknown }

/**
 * Idempotency on mutationId: a replayed mutation (its response was lost) returns the stored
 * outcome and applies nothing again. The ledger row is written in the mutation's own transaction,
 * which `c` must have begun (the lock below is held until it ends).
 */
export async function once(
  c: pg.PoolClient, userId: string, mutationId: string, kind: string, entityId: string | null,
  apply: () => Promise<Outcome>,
): Promise<Outcome> {
  // Two requests of one mutation at once (a page's request still in flight when the next page
  // replays it from the queue): the second waits for the first's transaction, then finds its
  // outcome. Without the lock both applied and the second's ledger insert failed as a duplicate.
  await c.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [mutationId]);
  const prior = await c.query<{ status_code: number; response: unknown; kind: string }>(
    'select status_code, response, kind from mutations where mutation_id = $1', [mutationId],
  );
  if (prior.rows[0]) {
    if (prior.rows[0].kind !== kind) return { status: 409, body: { error: { code: 'mutation_id_reused', message: `mutationId was used for a ${prior.rows[0].kind}` } } };
    return { status: prior.rows[0].status_code, body: prior.rows[0].response };
  }
  const outcome = await apply();
  if (outcome.status < 500) {
    await c.query(
      'insert into mutations (mutation_id, user_id, kind, entity_id, status_code, response) values ($1, $2, $3, $4, $5, $6)',
      [mutationId, userId, kind, entityId, outcome.status, JSON.stringify(outcome.body ?? null)],
    );
  }
  return outcome;
}

export function respond(o: Outcome): Response {
  if (o.status === 204) return new Response(null, { status: 204 });
  return NextResponse.json(o.body, { status: o.status });
}
