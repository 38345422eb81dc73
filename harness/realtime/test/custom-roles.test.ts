// A token's role claim names the Postgres role its changes are checked as, whatever role that is:
// apply_rls does set_config('role', claims_role) before its select, and has_column_privilege of
// that role trims the records. A role that does not exist cannot be stored in realtime.subscription.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startRigWithDb, client, waitFor, subscribed, type Rig } from '../rig.ts';
import { DEFAULT_JWT_SECRET, signJwt } from '../../stack/keys.ts';

let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => {
  ({ rig, db, stop } = await startRigWithDb());
  await db.query(`create role moderator nologin;
    create role auditor nologin bypassrls;
    create table public.reports (id int primary key, team text, body text, notes text);
    alter table public.reports enable row level security;
    grant select (id, team, body) on public.reports to moderator;
    grant select on public.reports to auditor;
    create policy same_team on public.reports for select to moderator
      using (team = current_setting('request.jwt.claims', true)::jsonb ->> 'team');
    alter publication supabase_realtime add table public.reports`);
});
after(() => stop());

type Payload = RealtimePostgresChangesPayload<Record<string, unknown>>;
type System = { status: string; message: string; extension: string };

async function listen(claims: Record<string, unknown>) {
  const sb = client(rig);
  await sb.realtime.setAuth(await signJwt(DEFAULT_JWT_SECRET, { sub: 'u1', ...claims }, 3600));
  const got: Payload[] = [];
  const system: System[] = [];
  const channel = sb.channel(`roles-${Math.random()}`)
    .on('postgres_changes' as never, { event: '*', schema: 'public', table: 'reports' } as never, (p: Payload) => got.push(p))
    .on('system' as never, {} as never, (p: System) => system.push(p));
  const { status } = await subscribed(channel);
  assert.equal(status, 'SUBSCRIBED');
  await waitFor(() => system[0], 5000, 'system message');
  return { sb, got, system, close: () => sb.removeAllChannels() };
}

test("a custom role's changes are those its policy lets it select, trimmed to the columns it may select", async () => {
  const red = await listen({ role: 'moderator', team: 'red' });
  assert.equal(red.system[0]!.status, 'ok', JSON.stringify(red.system[0]));
  await db.query(`insert into public.reports values (1, 'blue', 'not for red', 'n1')`);
  await db.query(`insert into public.reports values (2, 'red', 'for red', 'n2')`);
  const ins = await waitFor(() => red.got.find((p) => p.eventType === 'INSERT'), 5000, 'red INSERT');
  assert.deepEqual(ins.new, { id: 2, team: 'red', body: 'for red' }, 'notes is not granted to moderator');
  assert.equal(ins.errors, null);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(red.got.map((p) => (p.new as { id?: number }).id), [2], 'the blue row is not sent to red');
  await red.close();
});

test('a BYPASSRLS role sees every row, with the columns it may select', async () => {
  const auditor = await listen({ role: 'auditor' });
  assert.equal(auditor.system[0]!.status, 'ok');
  await db.query(`insert into public.reports values (3, 'blue', 'b', 'n3'), (4, 'green', 'g', 'n4')`);
  await waitFor(() => auditor.got.length >= 2 || undefined, 5000, 'both INSERTs');
  assert.deepEqual(auditor.got.map((p) => p.new as { id: number }).sort((a, b) => a.id - b.id),
    [{ id: 3, team: 'blue', body: 'b', notes: 'n3' }, { id: 4, team: 'green', body: 'g', notes: 'n4' }]);
  await auditor.close();
});

test("a role that does not exist is refused at subscribe with Postgres's error, as a system error; the socket stays up", async () => {
  const nobody = await listen({ role: 'no_such_role' });
  const msg = nobody.system[0]!;
  assert.equal(msg.status, 'error');
  assert.equal(msg.extension, 'postgres_changes');
  assert.equal(msg.message, 'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: '
    + '[event: *, schema: public, table: reports, filters: [], select: nil]. Exception: ERROR 42704 (undefined_object) role "no_such_role" does not exist');
  await db.query(`insert into public.reports values (5, 'red', 'r', 'n5')`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(nobody.got.length, 0);
  assert.equal(nobody.sb.realtime.isConnected(), true);
  await nobody.close();
});

test('a subscription refused for the old claims is tried again with a new access_token, as the real handler re-subscribes whatever came before', async () => {
  // moderator may not select `notes`: a filter on it is refused (subscription_check_filters).
  const sb = client(rig);
  await sb.realtime.setAuth(await signJwt(DEFAULT_JWT_SECRET, { sub: 'u1', role: 'moderator', team: 'red' }, 3600));
  const got: Payload[] = [];
  const system: System[] = [];
  const channel = sb.channel(`refused-then-token-${Math.random()}`)
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'reports', filter: 'notes=eq.later' } as never, (p: Payload) => got.push(p))
    .on('system' as never, {} as never, (p: System) => system.push(p));
  assert.equal((await subscribed(channel)).status, 'SUBSCRIBED');
  await waitFor(() => system[0], 5000, 'the refusal');
  assert.equal(system[0]!.status, 'error');
  assert.match(system[0]!.message, /invalid column for filter notes/);
  await sb.realtime.setAuth(await signJwt(DEFAULT_JWT_SECRET, { sub: 'u1', role: 'auditor' }, 3600));
  const ack = await waitFor(() => system.find((m) => m.status === 'ok'), 6000, 'Subscribed to PostgreSQL after the new token');
  assert.equal(ack.message, 'Subscribed to PostgreSQL');
  await db.query(`insert into public.reports values (9, 'blue', 'b', 'later')`);
  await waitFor(() => got[0], 5000, 'the change under the new claims');
  await sb.removeAllChannels();
});
