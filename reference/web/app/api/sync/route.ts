import { NextResponse, type NextRequest } from 'next/server';
import { asUser, AUDIO_COLUMNS, RUN_COLUMNS, USAGE_COLUMNS } from '../../../lib/server/db.ts';
import { claimsOf, dbProblem, invalid, requireSession } from '../../../lib/server/http.ts';
import { Since } from '../../../lib/server/schemas.ts';

export const dynamic = 'force-dynamic';

/** Everything of the user changed after `since` (all when absent), plus deletions, as of serverTime. */
export async function GET(req: NextRequest) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const since = Since.safeParse(req.nextUrl.searchParams.get('since') ?? undefined);
  if (!since.success) return invalid(since.error);
  const from = since.data ?? '-infinity';
  try {
    const body = await asUser(claimsOf(s), async (c) => {
      // serverTime first: anything committed after it will show in the next sync.
      const now = await c.query<{ t: string }>(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t`);
      const files = await c.query(`select ${AUDIO_COLUMNS} from audio_files where updated_at > $1 order by created_at desc`, [from]);
      const runs = await c.query(`select ${RUN_COLUMNS} from transcript_runs where updated_at > $1 order by created_at desc`, [from]);
      const usage = await c.query(`select ${USAGE_COLUMNS} from usage_logs`);
      const deleted = await c.query<{ table_name: string; row_id: string }>(
        `select table_name, row_id from deletions where deleted_at > $1`, [from],
      );
      return {
        serverTime: now.rows[0]!.t,
        audioFiles: files.rows,
        transcriptRuns: runs.rows,
        usage: usage.rows[0] ?? null,
        deleted: {
          audioFiles: deleted.rows.filter((d) => d.table_name === 'audio_files').map((d) => d.row_id),
          transcriptRuns: deleted.rows.filter((d) => d.table_name === 'transcript_runs').map((d) => d.row_id),
        },
      };
    });
    return NextResponse.json(body);
  } catch (err) {
    return dbProblem(err);
  }
}
