import { type NextRequest } from 'next/server';
import { asUser, AUDIO_COLUMNS } from '../../../lib/server/db.ts';
import { claimsOf, dbProblem, invalid, problem, requireSession } from '../../../lib/server/http.ts';
import { once, respond } from '../../../lib/server/mutations.ts';
import { CreateAudio } from '../../../lib/server/schemas.ts';

export const dynamic = 'force-dynamic';

export async function POST(req: NextRequest) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const body = CreateAudio.safeParse(await req.json().catch(() => undefined));
  if (!body.success) return invalid(body.error);
  const { mutationId, id, name, durationMs } = body.data;
  try {
    const outcome = await asUser(claimsOf(s), (c) => once(c, s.userId, mutationId, 'create', id ?? null, async () => {
      const usage = await c.query<{ uploads_count: number; quota_uploads: number }>('select uploads_count, quota_uploads from usage_logs');
      const u = usage.rows[0];
      if (u && u.uploads_count >= u.quota_uploads) {
        return { status: 403, body: { error: { code: 'quota_exceeded', message: `upload quota reached (${u.uploads_count} of ${u.quota_uploads} uploads)` } } };
      }
      const { rows } = await c.query(
        `insert into audio_files (id, user_id, name, duration_ms) values (coalesce($1, gen_random_uuid()), $2, $3, $4) returning ${AUDIO_COLUMNS}`,
        [id ?? null, s.userId, name, durationMs ?? null],
      );
      return { status: 201, body: rows[0] };
    }));
    return respond(outcome);
  } catch (err) {
    return dbProblem(err);
  }
}

export function GET() {
  return problem(405, 'method_not_allowed', 'list files with GET /api/sync');
}
