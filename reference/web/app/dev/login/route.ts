import { NextResponse, type NextRequest } from 'next/server';
import { SignJWT } from 'jose';
import { asService } from '../../../lib/server/db.ts';
import { serverConfig } from '../../../lib/server/config.ts';
import { problem } from '../../../lib/server/http.ts';
import { MAX_TOKEN_DELAY_MS, PLANTED_COOKIE, REALTIME_URL_COOKIE, SESSION_COOKIE, STRICT_MODE_COOKIE, TOKEN_DELAY_COOKIE, TOKEN_TTL_COOKIE } from '../../../lib/server/session.ts';
import { PLANTED_BUGS, isPlantedBug } from '../../../../planted.ts';

export const dynamic = 'force-dynamic';

/**
 * Local stacks only: signs in as a seeded user by id or email. `supabaseUrl` points this browser's
 * realtime socket elsewhere (a fault proxy); `planted` switches a planted bug on for this browser;
 * `tokenTtl` sets the lifetime of this browser's access tokens in seconds; `tokenDelay` makes its
 * accessToken callback take that many ms (a slow token source); `strictMode=1` runs its sync effects
 * set up, cleaned up and set up again, as React StrictMode does in development.
 */
export async function GET(req: NextRequest) {
  const cfg = serverConfig();
  if (!cfg.devLogin) return new Response('not found', { status: 404 });
  const as = req.nextUrl.searchParams.get('as');
  if (!as) return problem(400, 'invalid_input', 'as=<user id or email> is required');
  const user = await asService(async (c) => (await c.query<{ id: string; email: string }>(
    'select id, email from auth.users where id::text = $1 or email = $1', [as],
  )).rows[0]);
  if (!user) return problem(404, 'unknown_user', `no user '${as}'`);
  const session = await new SignJWT({ sub: user.id, email: user.email }).setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt().setExpirationTime('7d').sign(new TextEncoder().encode(cfg.jwtSecret));
  const res = NextResponse.redirect(new URL(req.nextUrl.searchParams.get('next') ?? '/', req.nextUrl.origin.replace('localhost', '127.0.0.1')), 303);
  // Behind a proxy the browser's host differs from ours: redirect relative to what it asked for.
  const host = req.headers.get('host');
  if (host) res.headers.set('location', `http://${host}${req.nextUrl.searchParams.get('next') ?? '/'}`);
  res.cookies.set(SESSION_COOKIE, session, { httpOnly: true, sameSite: 'lax', path: '/' });
  const ttl = req.nextUrl.searchParams.get('tokenTtl');
  if (ttl !== null) {
    if (!/^\d+$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > 86_400) return problem(400, 'invalid_input', 'tokenTtl must be a whole number of seconds from 1 to 86400');
    res.cookies.set(TOKEN_TTL_COOKIE, ttl, { sameSite: 'lax', path: '/' });
  } else {
    res.cookies.delete(TOKEN_TTL_COOKIE);
  }
  const delay = req.nextUrl.searchParams.get('tokenDelay');
  if (delay !== null) {
    if (!/^\d+$/.test(delay) || Number(delay) > MAX_TOKEN_DELAY_MS) return problem(400, 'invalid_input', `tokenDelay must be a whole number of ms from 0 to ${MAX_TOKEN_DELAY_MS}`);
    res.cookies.set(TOKEN_DELAY_COOKIE, delay, { sameSite: 'lax', path: '/' });
  } else {
    res.cookies.delete(TOKEN_DELAY_COOKIE);
  }
  const strict = req.nextUrl.searchParams.get('strictMode');
  if (strict !== null && strict !== '0' && strict !== '1') return problem(400, 'invalid_input', 'strictMode must be 0 or 1');
  if (strict === '1') res.cookies.set(STRICT_MODE_COOKIE, '1', { sameSite: 'lax', path: '/' });
  else res.cookies.delete(STRICT_MODE_COOKIE);
  const planted = req.nextUrl.searchParams.get('planted');
  if (planted) {
    if (!isPlantedBug(planted)) return problem(400, 'unknown_planted_bug', `planted must be one of ${PLANTED_BUGS.join(', ')}`);
    res.cookies.set(PLANTED_COOKIE, planted, { sameSite: 'lax', path: '/' });
  } else {
    res.cookies.delete(PLANTED_COOKIE);
  }
  const override = req.nextUrl.searchParams.get('supabaseUrl');
  if (override) {
    try {
      const u = new URL(override);
      if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error('loopback only');
      res.cookies.set(REALTIME_URL_COOKIE, u.origin, { sameSite: 'lax', path: '/' });
    } catch (err) {
      return problem(400, 'invalid_input', `supabaseUrl must be a loopback URL: ${(err as Error).message}`);
    }
  } else {
    res.cookies.delete(REALTIME_URL_COOKIE);
  }
  return res;
}
