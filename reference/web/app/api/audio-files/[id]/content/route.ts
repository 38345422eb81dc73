import { type NextRequest } from 'next/server';
import { mkdir, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { asUser, AUDIO_COLUMNS } from '../../../../../lib/server/db.ts';
import { serverConfig } from '../../../../../lib/server/config.ts';
import { claimsOf, dbProblem, invalid, problem, requireSession } from '../../../../../lib/server/http.ts';
import { once, respond } from '../../../../../lib/server/mutations.ts';
import { Id, MAX_UPLOAD_BYTES } from '../../../../../lib/server/schemas.ts';
import { z } from 'zod';

export const dynamic = 'force-dynamic';
type Ctx = { params: Promise<{ id: string }> };

// A rough duration for the quota when the client does not say: 16 kB/s (128 kbit/s audio).
const estimateMs = (bytes: number) => Math.round((bytes / 16_000) * 1000);

/** Upload bytes; on commit the file is `uploaded` and the user's UsageLog row moves in the same transaction. */
export async function PUT(req: NextRequest, ctx: Ctx) {
  const s = await requireSession();
  if (s instanceof Response) return s;
  const id = Id.safeParse((await ctx.params).id);
  if (!id.success) return invalid(id.error);
  const mutationId = z.string().uuid('mutationId query parameter must be a UUID').safeParse(req.nextUrl.searchParams.get('mutationId'));
  if (!mutationId.success) return invalid(mutationId.error);
  const type = req.headers.get('content-type') ?? '';
  if (type && !/^(audio\/|application\/octet-stream)/.test(type)) return problem(415, 'unsupported_type', `content-type ${type} is not audio`);
  const bytes = Buffer.from(await req.arrayBuffer());
  if (bytes.length === 0) return problem(400, 'invalid_input', 'the upload is empty');
  if (bytes.length > MAX_UPLOAD_BYTES) return problem(413, 'too_large', `uploads are limited to ${MAX_UPLOAD_BYTES} bytes`);
  const rel = path.join(s.userId, id.data);
  const file = path.join(serverConfig().dataDir, rel);
  try {
    return respond(await asUser(claimsOf(s), (c) => once(c, s.userId, mutationId.data, 'upload', id.data, async () => {
      const cur = await c.query<{ status: string; duration_ms: number | null }>('select status, duration_ms from audio_files where id = $1 for update', [id.data]);
      const row = cur.rows[0];
      if (!row) return { status: 404, body: { error: { code: 'not_found', message: 'no such audio file' } } };
      if (row.status !== 'uploading') return { status: 409, body: { error: { code: 'already_uploaded', message: `file is ${row.status}` } } };
      const usage = await c.query<{ uploads_count: number; quota_uploads: number; total_duration_ms: string; quota_duration_ms: string }>('select * from usage_logs for update');
      const u = usage.rows[0];
      const duration = row.duration_ms ?? estimateMs(bytes.length);
      if (u && (u.uploads_count >= u.quota_uploads || Number(u.total_duration_ms) + duration > Number(u.quota_duration_ms))) {
        return { status: 403, body: { error: { code: 'quota_exceeded', message: `quota reached: ${u.uploads_count}/${u.quota_uploads} uploads, ${Math.round(Number(u.total_duration_ms) / 1000)}/${Math.round(Number(u.quota_duration_ms) / 1000)} s` } } };
      }
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(`${file}.part`, bytes);
      await rename(`${file}.part`, file);
      const { rows } = await c.query(
        `update audio_files set status = 'uploaded', size_bytes = $2, duration_ms = $3, storage_path = $4 where id = $1 returning ${AUDIO_COLUMNS}`,
        [id.data, bytes.length, duration, rel],
      );
      await c.query('update usage_logs set uploads_count = uploads_count + 1, total_duration_ms = total_duration_ms + $1', [duration]);
      return { status: 200, body: rows[0] };
    })));
  } catch (err) {
    return dbProblem(err);
  }
}
