import { db } from '../../../lib/server/db.ts';

export const dynamic = 'force-dynamic';

export async function GET() {
  await db().query('select 1');
  return Response.json({ status: 'ok' });
}
