// The app's API routes (contract section 3) for k6 virtual users: sign in, rename, sync.
import http from 'k6/http';
import { randomBytes } from 'k6/crypto';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { errors } from './watch.ts';
import { SESSION_COOKIE } from '../../reference/web/lib/sync/types.ts';

/** A v4 UUID for mutationId (k6 has no typed randomUUID). */
export function uuid(): string {
  const b = new Uint8Array(randomBytes(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `/dev/login` → the session cookie as a request header value. */
export function login(appUrl: string, userId: string): string {
  const res = http.get(`${appUrl}/dev/login?as=${userId}`, { redirects: 0 });
  const value = res.cookies[SESSION_COOKIE]?.[0]?.value;
  if (!value) throw new Error(`/dev/login?as=${userId} answered ${res.status} without a session cookie`);
  return `${SESSION_COOKIE}=${value}`;
}

export interface RenameResult { status: number; updatedAt?: string }

/** PATCH /api/audio-files/:id; on 200 or 409 returns the server's updatedAt to base the next rename on. */
export function rename(appUrl: string, cookie: string, fileId: string, name: string, baseUpdatedAt: string): RenameResult {
  const res = http.patch(`${appUrl}/api/audio-files/${fileId}`, JSON.stringify({ name, mutationId: uuid(), baseUpdatedAt }), {
    headers: { 'content-type': 'application/json', cookie }, tags: { name: 'rename' }, responseCallback: http.expectedStatuses(200, 409),
  });
  const body = res.status === 200 || res.status === 409 ? (res.json() as { updatedAt?: string; current?: { updatedAt?: string } }) : {};
  return { status: res.status, updatedAt: body.updatedAt ?? body.current?.updatedAt };
}

export interface SyncBody { serverTime: string; audioFiles: { id: string; name: string; updatedAt: string }[] }

export function sync(appUrl: string, cookie: string): SyncBody {
  const res = http.get(`${appUrl}/api/sync`, { headers: { cookie }, tags: { name: 'sync' } });
  if (res.status !== 200) throw new Error(`/api/sync answered ${res.status}`);
  return res.json() as unknown as SyncBody;
}

const committed = new Counter('writes_committed');
const conflicts = new Counter('writes_conflict');
const bases = new Map<string, string>();

/**
 * One rename of one of the user's files, based on the row the API last showed this VU. A 409 (unknown
 * base, or another VU renamed it since) rebases on the server's row and tries once more, as a
 * client does after a conflict. Commits are counted per user for the loss check.
 */
export function renameOnce(appUrl: string, cookie: string, user: { id: string }, file: string, n: number): void {
  let r = rename(appUrl, cookie, file, `load-${n}.wav`, bases.get(file) ?? '1970-01-01T00:00:00.000Z');
  if (r.status === 409 && r.updatedAt) {
    conflicts.add(1);
    r = rename(appUrl, cookie, file, `load-${n}.wav`, r.updatedAt);
  }
  if (r.updatedAt) bases.set(file, r.updatedAt);
  // A second 409 is a writer losing a race for the row to another VU: a conflict, not an error.
  if (r.status === 200) committed.add(1, { user: user.id });
  else if (r.status === 409) conflicts.add(1);
  else errors.add(1, { kind: `write_${r.status}` });
}

/** setup(): a session cookie per user. */
export function loginAll(appUrl: string | undefined, users: { id: string }[]): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (appUrl) for (const u of users) cookies[u.id] = login(appUrl, u.id);
  return cookies;
}

/**
 * Which (user, file) this writer VU renames next. The files of all users are slots; each VU walks
 * its own residue class of slots (VU id mod `writerVus`), so it mostly renames rows it renamed
 * before and knows their updatedAt: writers picking rows round-robin across VUs would start nearly
 * every rename with a stale base and a 409, doubling the app's load.
 */
export function writerSlot<U extends { files: string[] }>(users: U[], writerVus: number): { user: U; file: string } {
  const slots = users.length * users[0]!.files.length;
  // Writer VUs are allocated together, so their ids are consecutive and their lanes distinct.
  const lane = exec.vu.idInTest % writerVus;
  const perLane = Math.ceil(slots / writerVus);
  let s = lane + (exec.vu.iterationInScenario % perLane) * writerVus;
  if (s >= slots) s = lane % slots;
  const user = users[s % users.length]!;
  return { user, file: user.files[Math.floor(s / users.length)]! };
}
