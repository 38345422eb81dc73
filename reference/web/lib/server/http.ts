import { NextResponse } from 'next/server';
import { headers } from 'next/headers';
import type { ZodError } from 'zod';
import { readSession, type Session } from './session.ts';
import { ACCOUNT_HEADER } from '../sync/types.ts';

export function problem(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return NextResponse.json({ error: { code, message }, ...extra }, { status });
}

export function invalid(err: ZodError) {
  const first = err.issues[0];
  const where = first?.path.length ? `${first.path.join('.')}: ` : '';
  return problem(400, 'invalid_input', `${where}${first?.message ?? 'invalid input'}`);
}

/**
 * The signed-in user; and, when the request names the account its page acts for (ACCOUNT_HEADER),
 * that same one: a page of another account (the profile signed in as someone else since) gets a
 * 401 and its request changes nothing.
 */
export async function requireSession(): Promise<Session | Response> {
  const s = await readSession();
  if (!s) return problem(401, 'unauthenticated', 'sign in first (/dev/login?as=<user> on a local stack)');
  const account = (await headers()).get(ACCOUNT_HEADER);
  if (account && account !== s.userId) return problem(401, 'account_changed', 'this browser is signed in as another account now; the request was not applied');
  return s;
}

export function claimsOf(s: Session) {
  return { sub: s.userId, role: 'authenticated', email: s.email };
}

/** Maps database refusals to the contract's 4xx; anything else is a 500 with no detail leaked. */
export function dbProblem(err: unknown) {
  const e = err as { code?: string; message?: string };
  if (e.code === '23514') return problem(409, 'illegal_transition', e.message ?? 'illegal status transition');
  if (e.code === '22P02') return problem(400, 'invalid_input', 'malformed id');
  if (e.code === '23505') return problem(409, 'duplicate', 'that id already exists');
  // A row another transaction holds past the lock timeout: try again later (the client's queue does).
  if (e.code === '55P03') return problem(503, 'busy', 'the row is locked by another write; try again');
  console.error(err);
  return problem(500, 'internal', 'internal error');
}
