// Route tests against real Postgres and the built app: RLS, validation, conflicts, idempotency, the transition guard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { bootStack, type Stack } from '../../harness/stack/up.ts';
import { ALICE, BOB } from '../../harness/stack/seed-users.ts';

let stack: Stack;
let db: pg.Client;
const cookies = new Map<string, string>();

before(async () => {
  stack = await bootStack({ portBase: 0, workers: 0 });
  db = new pg.Client(stack.info.dbUrl);
  await db.connect();
  for (const u of [ALICE, BOB]) {
    const res = await fetch(`${stack.info.appUrl}/dev/login?as=${u.email}`, { redirect: 'manual' });
    cookies.set(u.email, res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '));
  }
});
after(async () => {
  await db.end();
  await stack.stop();
});

function call(who: { email: string }, method: string, path: string, body?: unknown) {
  return fetch(`${stack.info.appUrl}${path}`, {
    method, headers: { cookie: cookies.get(who.email)!, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function create(who: { email: string }, name: string) {
  const res = await call(who, 'POST', '/api/audio-files', { mutationId: randomUUID(), name });
  assert.equal(res.status, 201);
  return (await res.json()) as { id: string; updatedAt: string; status: string; name: string };
}

test('RLS: bob cannot read, rename or delete alice\'s file (404, nothing changed)', async () => {
  const f = await create(ALICE, 'private.wav');
  assert.equal((await call(BOB, 'GET', `/api/audio-files/${f.id}`)).status, 404);
  assert.equal((await call(BOB, 'PATCH', `/api/audio-files/${f.id}`, { mutationId: randomUUID(), baseUpdatedAt: f.updatedAt, name: 'stolen' })).status, 404);
  assert.equal((await call(BOB, 'DELETE', `/api/audio-files/${f.id}`, { mutationId: randomUUID(), baseUpdatedAt: f.updatedAt })).status, 404);
  const sync = await (await call(BOB, 'GET', '/api/sync')).json() as { audioFiles: { id: string }[] };
  assert.ok(!sync.audioFiles.some((x) => x.id === f.id));
  assert.equal((await db.query('select name from audio_files where id = $1', [f.id])).rows[0].name, 'private.wav');
});

test('bad input gets a 4xx with a code and changes nothing', async () => {
  const before = (await db.query('select count(*)::int n from audio_files')).rows[0].n;
  const cases: [string, string, unknown, number, string][] = [
    ['POST', '/api/audio-files', { name: 'x.wav' }, 400, 'invalid_input'],
    ['POST', '/api/audio-files', { mutationId: 'nope', name: 'x.wav' }, 400, 'invalid_input'],
    ['POST', '/api/audio-files', { mutationId: randomUUID(), name: '' }, 400, 'invalid_input'],
    ['POST', '/api/audio-files', { mutationId: randomUUID(), name: 'x.wav', extra: 1 }, 400, 'invalid_input'],
    ['PATCH', '/api/audio-files/not-a-uuid', { mutationId: randomUUID(), baseUpdatedAt: new Date().toISOString(), name: 'y' }, 400, 'invalid_input'],
    ['PATCH', `/api/audio-files/${randomUUID()}`, { mutationId: randomUUID(), baseUpdatedAt: new Date().toISOString(), name: 'y' }, 404, 'not_found'],
    ['GET', '/api/sync?since=yesterday', undefined, 400, 'invalid_input'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const res = await call(ALICE, method, path, body);
    assert.equal(res.status, status, `${method} ${path}`);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, code);
  }
  const anon = await fetch(`${stack.info.appUrl}/api/sync`);
  assert.equal(anon.status, 401);
  assert.equal((await db.query('select count(*)::int n from audio_files')).rows[0].n, before);
});

test('rename with a stale baseUpdatedAt gets 409 with the current row; a replayed mutationId applies once', async () => {
  const f = await create(ALICE, 'v1.wav');
  const m1 = randomUUID();
  const ok = await call(ALICE, 'PATCH', `/api/audio-files/${f.id}`, { mutationId: m1, baseUpdatedAt: f.updatedAt, name: 'v2.wav' });
  assert.equal(ok.status, 200);
  const v2 = (await ok.json()) as { updatedAt: string };
  const replay = await call(ALICE, 'PATCH', `/api/audio-files/${f.id}`, { mutationId: m1, baseUpdatedAt: f.updatedAt, name: 'v2.wav' });
  assert.equal(replay.status, 200, 'the replay returns the stored outcome, not a 409');
  assert.equal(((await replay.json()) as { updatedAt: string }).updatedAt, v2.updatedAt, 'and applies nothing again');
  const stale = await call(ALICE, 'PATCH', `/api/audio-files/${f.id}`, { mutationId: randomUUID(), baseUpdatedAt: f.updatedAt, name: 'v3.wav' });
  assert.equal(stale.status, 409);
  assert.equal(((await stale.json()) as { current: { name: string } }).current.name, 'v2.wav');
  assert.equal((await db.query('select count(*)::int n from mutations where mutation_id = $1', [m1])).rows[0].n, 1);
});

test('delete is refused with 409 while processing; the transition guard refuses illegal moves', async () => {
  const f = await create(ALICE, 'busy.wav');
  await db.query(`update audio_files set status = 'uploaded' where id = $1`, [f.id]);
  const { rows } = await db.query(`update audio_files set status = 'processing' where id = $1 returning to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t`, [f.id]);
  const res = await call(ALICE, 'DELETE', `/api/audio-files/${f.id}`, { mutationId: randomUUID(), baseUpdatedAt: rows[0].t });
  assert.equal(res.status, 409);
  assert.equal(((await res.json()) as { current: { status: string } }).current.status, 'processing');
  await assert.rejects(db.query(`update audio_files set status = 'uploading' where id = $1`, [f.id]), /illegal audio_files.status transition: processing -> uploading/);
  const retry = await call(ALICE, 'POST', `/api/audio-files/${f.id}/retry`, { mutationId: randomUUID() });
  assert.equal(retry.status, 409, 'only a failed file can be retried');
});

test('upload commits the file and the usage row in one transaction; over quota is refused with a clear message', async () => {
  const f = await create(ALICE, 'bytes.wav');
  const before = (await db.query('select uploads_count from usage_logs where user_id = $1', [ALICE.id])).rows[0].uploads_count;
  const put = await fetch(`${stack.info.appUrl}/api/audio-files/${f.id}/content?mutationId=${randomUUID()}`, {
    method: 'PUT', headers: { cookie: cookies.get(ALICE.email)!, 'content-type': 'audio/wav' }, body: Buffer.alloc(32_000, 1),
  });
  assert.equal(put.status, 200);
  assert.equal(((await put.json()) as { status: string }).status, 'uploaded');
  assert.equal((await db.query('select uploads_count from usage_logs where user_id = $1', [ALICE.id])).rows[0].uploads_count, before + 1);
  await db.query('update usage_logs set quota_uploads = uploads_count where user_id = $1', [ALICE.id]);
  const refused = await call(ALICE, 'POST', '/api/audio-files', { mutationId: randomUUID(), name: 'over.wav' });
  assert.equal(refused.status, 403);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /quota reached/);
  await db.query('update usage_logs set quota_uploads = 20 where user_id = $1', [ALICE.id]);
});

test('/dev/login?planted= switches a planted bug on for that browser only; an unknown one is a 400', async () => {
  const bad = await fetch(`${stack.info.appUrl}/dev/login?as=${ALICE.email}&planted=no-such-bug`, { redirect: 'manual' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'unknown_planted_bug');
  assert.equal(bad.headers.getSetCookie().length, 0, 'a refused login sets nothing');
  const login = await fetch(`${stack.info.appUrl}/dev/login?as=${ALICE.email}&planted=fake-connected`, { redirect: 'manual' });
  const jar = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  assert.match(jar, /sw_planted=fake-connected/);
  const withBug = await (await fetch(`${stack.info.appUrl}/`, { headers: { cookie: jar } })).text();
  const without = await (await fetch(`${stack.info.appUrl}/`, { headers: { cookie: cookies.get(ALICE.email)! } })).text();
  assert.match(withBug, /fake-connected/, 'the page hands the planted bug to the browser');
  assert.doesNotMatch(without, /fake-connected/, 'other browsers are unaffected');
});

test('/dev/login?tokenTtl= sets this browser\'s access-token lifetime; a bad value is a 400 naming it', async () => {
  const bad = await fetch(`${stack.info.appUrl}/dev/login?as=${ALICE.email}&tokenTtl=soon`, { redirect: 'manual' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /tokenTtl/);
  const login = await fetch(`${stack.info.appUrl}/dev/login?as=${ALICE.email}&tokenTtl=7`, { redirect: 'manual' });
  const jar = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const short = (await (await fetch(`${stack.info.appUrl}/api/session`, { headers: { cookie: jar } })).json()) as { expiresAt: number };
  const normal = (await (await fetch(`${stack.info.appUrl}/api/session`, { headers: { cookie: cookies.get(ALICE.email)! } })).json()) as { expiresAt: number };
  const now = Date.now() / 1000;
  assert.ok(short.expiresAt - now <= 8 && short.expiresAt - now >= 5, `about 7 s left, got ${short.expiresAt - now}`);
  assert.ok(normal.expiresAt - now > 3000, 'other browsers keep the default hour');
});

test('/dev/login?tokenDelay= hands this browser a slow accessToken callback; a bad value is a 400 naming it', async () => {
  for (const value of ['soon', '-1', '30001']) {
    const bad = await fetch(`${stack.info.appUrl}/dev/login?as=${ALICE.email}&tokenDelay=${value}`, { redirect: 'manual' });
    assert.equal(bad.status, 400, value);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /tokenDelay/);
  }
  const login = await fetch(`${stack.info.appUrl}/dev/login?as=${ALICE.email}&tokenDelay=4000`, { redirect: 'manual' });
  const jar = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const slow = await (await fetch(`${stack.info.appUrl}/`, { headers: { cookie: jar } })).text();
  const normal = await (await fetch(`${stack.info.appUrl}/`, { headers: { cookie: cookies.get(ALICE.email)! } })).text();
  assert.match(slow, /tokenDelayMs[^0-9]{1,12}4000/, 'the page hands the delay to the browser');
  assert.doesNotMatch(normal, /tokenDelayMs[^0-9]{1,12}\d/, 'other browsers are unaffected');
});

test('sync cursor: a rename stamped before a sync and committed after it reaches the next sync; the planted stamp-cursor skips it for good', async () => {
  const login = await fetch(`${stack.info.appUrl}/dev/login?as=${ALICE.email}&planted=stamp-cursor`, { redirect: 'manual' });
  const planted = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  type Sync = { serverTime: string; audioFiles: { id: string; name: string }[] };
  const sync = async (cookie: string, since?: string) => {
    const res = await fetch(`${stack.info.appUrl}/api/sync${since ? `?since=${encodeURIComponent(since)}` : ''}`, { headers: { cookie } });
    assert.equal(res.status, 200);
    return (await res.json()) as Sync;
  };
  for (const [cursor, cookie] of [['safe', cookies.get(ALICE.email)!], ['stamp-cursor', planted]] as const) {
    const f = await create(ALICE, `cursor-${cursor}.wav`);
    // (1) the client syncs; (2) another session stamps a rename and keeps its transaction open;
    const first = await sync(cookie);
    const writer = new pg.Client(stack.info.dbUrl);
    await writer.connect();
    await writer.query('begin');
    await writer.query(`update audio_files set name = 'committed-late.wav' where id = $1`, [f.id]);
    await new Promise((r) => setTimeout(r, 20));
    // (3) the client reconnects and syncs; (4) the rename commits while it is away;
    const during = await sync(cookie, first.serverTime);
    assert.match(during.serverTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'serverTime keeps the contract\'s shape');
    await writer.query('commit');
    await writer.end();
    // (5) it reconnects (or reloads: the same stored cursor) and syncs again.
    const after = await sync(cookie, during.serverTime);
    const got = after.audioFiles.find((x) => x.id === f.id);
    if (cursor === 'safe') assert.equal(got?.name, 'committed-late.wav', 'the safe cursor returns the late commit');
    else assert.equal(got, undefined, 'the planted stamp-cursor skips it');
  }
});
