import { NextResponse } from 'next/server';
import { requireSession } from '../../../lib/server/http.ts';

export const dynamic = 'force-dynamic';

/** A fresh access token for the signed-in user; the client calls it before the current one expires. */
export async function GET() {
  const s = await requireSession();
  if (s instanceof Response) return s;
  return NextResponse.json({ userId: s.userId, accessToken: s.token, expiresAt: s.exp });
}
