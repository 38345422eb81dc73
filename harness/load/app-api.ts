// The app's routes (contract section 3) from Node, for a load target reached only by its URLs: sign
// in through /dev/login, create the files writers rename, read one back, delete it afterwards.
import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '../../reference/web/lib/sync/types.ts';

interface Row { id: string; updatedAt: string }

async function call(what: string, url: string, init: RequestInit & { expect: number[] }): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new Error(`${what}: ${url} did not answer (${(err as Error).message})`);
  }
  if (!init.expect.includes(res.status)) throw new Error(`${what}: ${init.method ?? 'GET'} ${url} answered ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res;
}

/** The session cookie `/dev/login?as=<id>` sets, as a request header value. */
export async function signIn(appUrl: string, userId: string): Promise<string> {
  const url = `${appUrl}/dev/login?as=${encodeURIComponent(userId)}`;
  const res = await call('sign-in', url, { redirect: 'manual', expect: [302, 303, 307, 404] });
  // The reference app answers a plain 404 when dev login is off, and 404 unknown_user for a user it lacks.
  if (res.status === 404) {
    const body = await res.text();
    throw new Error(/unknown_user/.test(body)
      ? `sign-in: the app has no user ${userId} (${url}); load as users that exist there`
      : `sign-in: ${url} answered 404: the app must serve /dev/login (contract section 3; the reference app does with SYNCWRIGHT_DEV_LOGIN=1)`);
  }
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error(`sign-in: ${appUrl}/dev/login?as=${userId} set no ${SESSION_COOKIE} cookie`);
  return cookie;
}

const json = (cookie: string) => ({ 'content-type': 'application/json', cookie });

/** POST /api/audio-files: a new file of the signed-in user; its id. */
export async function createFile(appUrl: string, cookie: string, name: string): Promise<string> {
  const res = await call('create a file', `${appUrl}/api/audio-files`, { method: 'POST', headers: json(cookie), body: JSON.stringify({ mutationId: randomUUID(), name }), expect: [201] });
  return ((await res.json()) as Row).id;
}

/** GET /api/audio-files/:id: the row's updatedAt in ms. */
export async function fileUpdatedAtMs(appUrl: string, cookie: string, id: string): Promise<number> {
  const res = await call('read a file', `${appUrl}/api/audio-files/${id}`, { headers: { cookie }, expect: [200] });
  return Date.parse(((await res.json()) as Row).updatedAt);
}

/** DELETE /api/audio-files/:id at its current version; gone already is fine. */
export async function deleteFile(appUrl: string, cookie: string, id: string): Promise<void> {
  const res = await call('read a file', `${appUrl}/api/audio-files/${id}`, { headers: { cookie }, expect: [200, 404] });
  if (res.status === 404) return;
  const { updatedAt } = (await res.json()) as Row;
  await call('delete a file', `${appUrl}/api/audio-files/${id}`, { method: 'DELETE', headers: json(cookie), body: JSON.stringify({ mutationId: randomUUID(), baseUpdatedAt: updatedAt }), expect: [204, 404] });
}
