import type pg from 'pg';
import { AUDIO_COLUMNS, inUserTx, RUN_COLUMNS, USAGE_COLUMNS } from './db.ts';

/**
 * The data of `GET /api/sync?since=` and its cursor (`serverTime`, the client's next `since`).
 * `safe`: the oldest start of any transaction in progress, read before the data queries; why no
 * committed change is ever skipped is explained at the route (app/api/sync/route.ts).
 * `stamp`: the planted bug `stamp-cursor`, plain "now" at the start of the sync.
 */
export type CursorMode = 'safe' | 'stamp';

const ISO = (expr: string) => `to_char((${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const SAFE_CURSOR_SQL = `
  select ${ISO(`least(now(), min(a.xact_start)) - interval '1 microsecond'`)} as t,
         pg_has_role(current_user, 'pg_read_all_stats', 'usage') as sees_all
    from pg_stat_activity a
   where a.pid <> pg_backend_pid() and a.datname = current_database() and a.xact_start is not null`;

/** The safe cursor: run it as the connecting (super)user, outside and before the data transaction. */
export async function safeCursor(c: pg.ClientBase): Promise<string> {
  const { rows } = await c.query<{ t: string; sees_all: boolean }>(SAFE_CURSOR_SQL);
  if (!rows[0]!.sees_all) {
    throw new Error('the sync cursor needs to see every session\'s xact_start: connect as a superuser or a member of pg_read_all_stats');
  }
  return rows[0]!.t;
}

export interface SyncBody {
  serverTime: string;
  audioFiles: unknown[];
  transcriptRuns: unknown[];
  usage: unknown;
  deleted: { audioFiles: string[]; transcriptRuns: string[] };
}

/** Everything of the user changed after `since` (all when absent), plus deletions, as of the cursor. */
export async function readSync(pool: pg.Pool, claims: { sub: string; role: string }, since: string | undefined, mode: CursorMode = 'safe'): Promise<SyncBody> {
  const from = since ?? '-infinity';
  const client = await pool.connect();
  try {
    const cursor = mode === 'safe' ? await safeCursor(client) : undefined;
    return await inUserTx(client, claims, async (c) => {
      // Planted bug stamp-cursor: "now" first, so anything committed after it shows in the next
      // sync; not so for a write stamped before it that commits after the queries below.
      const serverTime = cursor ?? (await c.query<{ t: string }>(`select ${ISO('clock_timestamp()')} as t`)).rows[0]!.t;
      const files = await c.query(`select ${AUDIO_COLUMNS} from audio_files where updated_at > $1 order by created_at desc`, [from]);
      const runs = await c.query(`select ${RUN_COLUMNS} from transcript_runs where updated_at > $1 order by created_at desc`, [from]);
      const usage = await c.query(`select ${USAGE_COLUMNS} from usage_logs`);
      const deleted = await c.query<{ table_name: string; row_id: string }>(
        `select table_name, row_id from deletions where deleted_at > $1`, [from],
      );
      return {
        serverTime,
        audioFiles: files.rows,
        transcriptRuns: runs.rows,
        usage: usage.rows[0] ?? null,
        deleted: {
          audioFiles: deleted.rows.filter((d) => d.table_name === 'audio_files').map((d) => d.row_id),
          transcriptRuns: deleted.rows.filter((d) => d.table_name === 'transcript_runs').map((d) => d.row_id),
        },
      };
    });
  } finally {
    client.release();
  }
}
