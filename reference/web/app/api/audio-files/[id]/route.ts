import { NextResponse, type NextRequest } from 'next/server';
import { asUser, AUDIO_COLUMNS } from '../../../../lib/server/db.ts';
import { claimsOf, dbProblem, invalid, problem, requireSession } from '../../../../lib/server/http.ts';
import { once, respond, type Outcome } from '../../../../lib/server/mutations.ts';
import { DeleteAudio, Id, RenameAudio } from '../../../../lib/server/schemas.ts';

export const dynamic = 'force-dynamic';
type Ctx = { params: Promise<{ id: string }> };

const notFound: Outcome = { status: 404, body: { error: { code: 'not_found', message: 'no such audio file' } } };

export async function GET(_req: NextRequest, ctx: Ctx) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const id = Id.safeParse((await ctx.params).id);
  if (!id.success) return invalid(id.error);
  const row = await asUser(claimsOf(s), async (c) => (await c.query(`select ${AUDIO_COLUMNS} from audio_files where id = $1`, [id.data])).rows[0]);
  return row ? NextResponse.json(row) : problem(404, 'not_found', 'no such audio file');
}

/** Rename; 409 with the current row when the server's version is newer than baseUpdatedAt. */
export async function PATCH(req: NextRequest, ctx: Ctx) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const id = Id.safeParse((await ctx.params).id);
  if (!id.success) return invalid(id.error);
  const body = RenameAudio.safeParse(await req.json().catch(() => undefined));
  if (!body.success) return invalid(body.error);
  try {
    return respond(await asUser(claimsOf(s), (c) => once(c, s.userId, body.data.mutationId, 'rename', id.data, async () => {
      const cur = await c.query(`select ${AUDIO_COLUMNS}, updated_at > $2::timestamptz as newer from audio_files where id = $1 for update`, [id.data, body.data.baseUpdatedAt]);
      const row = cur.rows[0];
      if (!row) return notFound;
      const { newer, ...current } = row;
      if (newer) return { status: 409, body: { current } };
      const { rows } = await c.query(`update audio_files set name = $2 where id = $1 returning ${AUDIO_COLUMNS}`, [id.data, body.data.name]);
      return { status: 200, body: rows[0] };
    })));
  } catch (err) {
    return dbProblem(err);
  }
}

/** Delete; 409 with the current row when it is newer than baseUpdatedAt or still processing. */
export async function DELETE(req: NextRequest, ctx: Ctx) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const id = Id.safeParse((await ctx.params).id);
  if (!id.success) return invalid(id.error);
  const body = DeleteAudio.safeParse(await req.json().catch(() => undefined));
  if (!body.success) return invalid(body.error);
  try {
    return respond(await asUser(claimsOf(s), (c) => once(c, s.userId, body.data.mutationId, 'delete', id.data, async () => {
      const cur = await c.query(`select ${AUDIO_COLUMNS}, updated_at > $2::timestamptz as newer from audio_files where id = $1 for update`, [id.data, body.data.baseUpdatedAt]);
      const row = cur.rows[0];
      if (!row) return notFound;
      const { newer, ...current } = row;
      if (newer || current.status === 'processing') {
        return { status: 409, body: { current, reason: current.status === 'processing' ? 'processing' : 'newer' } };
      }
      await c.query('delete from audio_files where id = $1', [id.data]);
      return { status: 204, body: null };
    })));
  } catch (err) {
    return dbProblem(err);
  }
}
