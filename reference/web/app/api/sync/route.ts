import { NextResponse, type NextRequest } from 'next/server';
import { db } from '../../../lib/server/db.ts';
import { claimsOf, dbProblem, invalid, requireSession } from '../../../lib/server/http.ts';
import { Since } from '../../../lib/server/schemas.ts';
import { activePlantedBug } from '../../../lib/server/session.ts';
import { readSync } from '../../../lib/server/sync.ts';
import { bugSwitch } from '../../../../planted.ts';

export const dynamic = 'force-dynamic';

/**
 * Everything of the user changed after `since` (all when absent), plus deletions, as of serverTime.
 *
 * `updated_at` (and `deletions.deleted_at`) is stamped with clock_timestamp() by a trigger inside
 * the writing transaction, which may commit much later. A cursor that is simply "now" at the sync
 * (planted bug `stamp-cursor`) loses a write that was stamped before the sync but committed after
 * the sync's snapshot: the client's next `since` is already past the stamp, so no later sync ever
 * returns it (and realtime does not help if the commit happened while the client was offline).
 *
 * The safe cursor is `least(now(), xact_start of every other transaction in progress) - 1 µs`, read
 * before the data queries. Why no committed change is ever skipped: take any row version (or
 * tombstone) stamped s by transaction T that commits at time c, and our read of pg_stat_activity
 * at time R, followed by the data queries (each takes its snapshot after R).
 * - If T committed before a data query's snapshot, that query sees it: it is in this response
 *   when s > since (and by induction an older s was covered by an earlier response).
 * - Otherwise T was still running when the data snapshot was taken, which is after R. Either T
 *   started after R: then s = clock_timestamp() inside T > R ≥ now() of our read > cursor. Or T
 *   was in progress at R: its xact_start is in the minimum, and every stamp it makes is at or
 *   after its xact_start (xact_start is the start of T's first statement), so s ≥ xact_start >
 *   cursor. Either way s > cursor, so the next sync (`updated_at > cursor`) returns it.
 * Postgres publishes a backend's xact_start in StartTransaction, before the transaction can run a
 * statement, and clears it only at the very end of CommitTransaction, after the commit is visible
 * to new snapshots: a transaction that began before R without being listed yet stamps only after
 * R (the first case), and one that is no longer listed is visible to our snapshots.
 *
 * - Snapshot timing: the cursor read runs as its own statement before `begin`, so every data query
 *   takes its snapshot after R whatever the isolation level (READ COMMITTED takes one per
 *   statement, as here; REPEATABLE READ one at its first query; both after R). Reading the cursor
 *   inside a REPEATABLE READ transaction whose snapshot is already taken would be unsafe: a
 *   transaction committing between that snapshot and R would be neither seen nor listed. Under
 *   READ COMMITTED the four queries see different snapshots; each table is complete on its own
 *   terms, which is all the client needs (it applies rows, then deletions, last-write-wins).
 * - Full hydration (no `since`): a row the client holds that is absent from the response and not
 *   newer than serverTime is gone; one newer than serverTime may have been committed after the
 *   snapshot (realtime brought it), so the client keeps it (lib/sync/engine.ts).
 * - Privileges: only a superuser or a member of pg_read_all_stats sees other roles' xact_start
 *   (for anyone else it is NULL, which would silently make the cursor unsafe). So it is read as the
 *   role the app connects as, before the transaction switches to `authenticated` for RLS, and the
 *   read fails loudly when that role cannot see them.
 * - Deletions: the tombstone's `deleted_at` is stamped by the AFTER DELETE trigger inside the
 *   deleting transaction, exactly like updated_at, so the same argument covers `deleted`.
 * - Cost: a long transaction anywhere in the database holds every user's cursor back to its start,
 *   so syncs resend rows changed since then. The client's last-write-wins drops the duplicates.
 * - The minus 1 µs: stamps have microsecond resolution, and a transaction starting just after R
 *   could stamp the same microsecond as now(); the filter is strictly `> since`.
 * - Not covered: prepared (two-phase) transactions, which leave pg_stat_activity at PREPARE with
 *   their stamps already made (the stack does not enable them), and the server clock stepping back.
 */
export async function GET(req: NextRequest) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const since = Since.safeParse(req.nextUrl.searchParams.get('since') ?? undefined);
  if (!since.success) return invalid(since.error);
  const bugOn = bugSwitch(await activePlantedBug());
  try {
    return NextResponse.json(await readSync(db(), claimsOf(s), since.data, bugOn('stamp-cursor') ? 'stamp' : 'safe'));
  } catch (err) {
    return dbProblem(err);
  }
}
