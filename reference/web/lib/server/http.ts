import { NextResponse } from 'next/server';
import type { ZodError } from 'zod';
import { readSession, type Session } from './session.ts';

export function problem(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return NextResponse.json({ error: { code, message }, ...extra }, { status });
}

export function invalid(err: ZodError) {
  const first = err.issues[0];
  const where = first?.path.length ? `${first.path.join('.')}: ` : '';
  return problem(400, 'invalid_input', `${where}${first?.message ?? 'invalid input'}`);
}

export async function requireSession(): Promise<Session | Response> {
  const s = await readSession();
  return s ?? problem(401, 'unauthenticated', 'sign in first (/dev/login?as=<user> on a local stack)');
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
