import { type NextRequest } from 'next/server';
import { asUser, RUN_COLUMNS } from '../../../../../lib/server/db.ts';
import { claimsOf, dbProblem, invalid, requireSession } from '../../../../../lib/server/http.ts';
import { once, respond } from '../../../../../lib/server/mutations.ts';
import { Id, Retry } from '../../../../../lib/server/schemas.ts';

export const dynamic = 'force-dynamic';
type Ctx = { params: Promise<{ id: string }> };

/** A new queued TranscriptRun for a failed file; the file moves failed → processing. */
export async function POST(req: NextRequest, ctx: Ctx) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const id = Id.safeParse((await ctx.params).id);
  if (!id.success) return invalid(id.error);
  const body = Retry.safeParse(await req.json().catch(() => undefined));
  if (!body.success) return invalid(body.error);
  try {
    return respond(await asUser(claimsOf(s), (c) => once(c, s.userId, body.data.mutationId, 'retry', id.data, async () => {
      const cur = await c.query<{ status: string }>('select status from audio_files where id = $1 for update', [id.data]);
      const row = cur.rows[0];
      if (!row) return { status: 404, body: { error: { code: 'not_found', message: 'no such audio file' } } };
      if (row.status !== 'failed') return { status: 409, body: { error: { code: 'not_failed', message: `only a failed file can be retried; it is ${row.status}` } } };
      await c.query(`update audio_files set status = 'processing', error = null where id = $1`, [id.data]);
      const { rows } = await c.query(`insert into transcript_runs (audio_file_id, user_id) values ($1, $2) returning ${RUN_COLUMNS}`, [id.data, s.userId]);
      return { status: 201, body: rows[0] };
    })));
  } catch (err) {
    return dbProblem(err);
  }
}
