// Signing load users in through an app reached only by its URL: the session cookie of /dev/login,
// and a one-line reason when the app has no such route or no such user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signIn } from './app-api.ts';
import { SESSION_COOKIE } from '../../reference/web/lib/sync/types.ts';

async function app(devLogin: boolean): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const as = new URL(req.url!, 'http://x').searchParams.get('as');
    if (!devLogin) return void res.writeHead(404).end('not found');
    if (as !== 'alice') return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unknown_user', message: `no user '${as}'` } }));
    res.writeHead(303, { location: '/', 'set-cookie': ['sw_planted=; Path=/; Max-Age=0', `${SESSION_COOKIE}=signed.jwt.value; Path=/; HttpOnly; SameSite=lax`] }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('signIn returns the session cookie among the others /dev/login sets', async () => {
  const a = await app(true);
  try {
    assert.equal(await signIn(a.url, 'alice'), `${SESSION_COOKIE}=signed.jwt.value`);
    await assert.rejects(signIn(a.url, 'mallory'), /^Error: sign-in: the app has no user mallory \(.*\/dev\/login\?as=mallory\); load as users that exist there$/);
  } finally {
    a.close();
  }
});

test('an app without /dev/login is named as such', async () => {
  const a = await app(false);
  try {
    await assert.rejects(signIn(a.url, 'alice'), /answered 404: the app must serve \/dev\/login \(contract section 3; the reference app does with SYNCWRIGHT_DEV_LOGIN=1\)$/);
  } finally {
    a.close();
  }
});
