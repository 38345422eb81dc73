// postgres_changes filters and select lists end to end: the unmodified supabase-js, filters built
// with realtime-js's own postgresChangesFilter(), our server, a real Postgres. Expected refusal
// texts are the real server's (subscriptions.ex, realtime.subscription_check_filters, Postgrex).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresChangesFilter } from '@supabase/realtime-js';
import { startRigWithDb, client, userToken, waitFor, subscribed, type Rig } from '../rig.ts';
import { ALICE } from '../../stack/seed-users.ts';

let rig: Rig;
let db: pg.Client;
let stop: () => Promise<void>;
before(async () => {
  ({ rig, db, stop } = await startRigWithDb());
  await db.query(`create table public.filter_probe (id int primary key, name text, tag text, n int, flag boolean, secret text);
    grant select (id, name, tag, n, flag) on public.filter_probe to authenticated;
    alter publication supabase_realtime add table public.filter_probe`);
});
after(() => stop());

type Row = { id: number; name: string; [k: string]: unknown };
// supabase-js hands the callback record as `new` (it keeps `columns` to itself).
type Payload = { new: Row };
interface Spec { event?: string; schema?: string; table?: string; filter?: unknown; select?: unknown }

/** A channel on `sb` with one binding; resolves once the server has said how the subscribe went. */
async function listen(sb: ReturnType<typeof client>, spec: Spec) {
  const got: Payload[] = [];
  const system: { status: string; message: string; extension: string }[] = [];
  const ch = sb.channel(`f-${Math.random()}`)
    .on('postgres_changes' as never, { event: 'INSERT', schema: 'public', table: 'filter_probe', ...spec } as never, (p: Payload) => got.push(p))
    .on('system' as never, {} as never, (p: unknown) => { system.push(p as never); });
  assert.equal((await subscribed(ch)).status, 'SUBSCRIBED');
  await waitFor(() => system[0], 5000, 'system message');
  return { got, system };
}

async function alice() {
  const token = await userToken(ALICE);
  const sb = client(rig, { token: async () => token });
  await sb.realtime.setAuth();
  return sb;
}

const ROWS = [
  [1, 'apple.wav', 'a,b', 10, true],
  [2, 'Apricot.WAV', 'c', null, false],
  [3, 'banana.mp3', null, 20, null],
  [4, 'cherry.wav', 'x', 5, true],
];

test('every operator, not., AND and a quoted in-list: a matching row arrives, a non-matching one does not', async () => {
  const sb = await alice();
  const cases: [string, ReturnType<typeof postgresChangesFilter>, number[]][] = [
    ['like', postgresChangesFilter().like('name', '%.wav'), [1, 4]],
    ['ilike', postgresChangesFilter().ilike('name', 'a%'), [1, 2]],
    ['is null', postgresChangesFilter().is('n', null), [2]],
    ['not.is null', postgresChangesFilter().not('n', 'is', null), [1, 3, 4]],
    ['is false', postgresChangesFilter().is('flag', false), [2]],
    ['not.eq', postgresChangesFilter().not('name', 'eq', 'apple.wav'), [2, 3, 4]],
    ['isdistinct', postgresChangesFilter().isDistinct('n', 10), [2, 3, 4]],
    ['in with a quoted comma', postgresChangesFilter().in('tag', ['a,b', 'x']), [1, 4]],
    ['not.in (a NULL tag is no match)', postgresChangesFilter().not('tag', 'in', ['c']), [1, 4]],
    ['match', postgresChangesFilter().match('name', '^(apple|banana)\\.'), [1, 3]],
    ['imatch', postgresChangesFilter().imatch('name', '^APR'), [2]],
    ['gt on a NULL is no match, not.gt neither', postgresChangesFilter().not('n', 'gt', 7), [4]],
    ['AND of two conditions', postgresChangesFilter().eq('flag', true).gt('n', 6), [1]],
    ['eq on text and lt on text by collation', postgresChangesFilter().eq('tag', 'c').lt('name', 'B'), [2]],
  ];
  const listeners = [];
  for (const [what, filter, want] of cases) listeners.push({ what, want, l: await listen(sb, { filter }) });
  for (const { what, l } of listeners) assert.equal(l.system[0]!.status, 'ok', `${what}: ${l.system[0]!.message}`);
  for (const r of ROWS) await db.query('insert into public.filter_probe (id, name, tag, n, flag) values ($1, $2, $3, $4, $5)', r);
  for (const { what, want, l } of listeners) {
    await waitFor(() => want.every((id) => l.got.some((p) => p.new.id === id)) || undefined, 5000, what);
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const { what, want, l } of listeners) assert.deepEqual(l.got.map((p) => p.new.id).sort(), want, what);
  await sb.removeAllChannels();
  await db.query('delete from public.filter_probe');
});

test('a select list trims the record to those columns, the primary key always kept', async () => {
  const sb = await alice();
  const trimmed = await listen(sb, { select: ['name', 'n'] });
  const full = await listen(sb, {});
  assert.equal(trimmed.system[0]!.status, 'ok', trimmed.system[0]!.message);
  await db.query(`insert into public.filter_probe values (10, 'sel.wav', 't', 3, true, 's')`);
  const p = await waitFor(() => trimmed.got[0], 5000, 'select delivery');
  assert.deepEqual(p.new, { id: 10, name: 'sel.wav', n: 3 });
  const q = await waitFor(() => full.got[0], 5000, 'full delivery');
  assert.deepEqual(q.new, { id: 10, name: 'sel.wav', tag: 't', n: 3, flag: true }, 'only what the role may select');
  await sb.removeAllChannels();
  await db.query('delete from public.filter_probe');
});

const UNABLE = 'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: ';

test('bad bindings are refused with the real messages; another channel on the socket keeps working', async () => {
  const sb = await alice();
  const good = await listen(sb, { filter: 'name=eq.still-here' });
  const cases: [Spec, string | RegExp][] = [
    [{ filter: 'n=eq.abc' }, `${UNABLE}[event: INSERT, schema: public, table: filter_probe, filters: [{"n", "eq", "abc", false}], select: nil]. Exception: ERROR 22P02 (invalid_text_representation) invalid input syntax for type integer: "abc"`],
    [{ filter: 'nope=eq.1' }, `${UNABLE}[event: INSERT, schema: public, table: filter_probe, filters: [{"nope", "eq", "1", false}], select: nil]. Exception: ERROR P0001 (raise_exception) invalid column for filter nope`],
    [{ filter: 'secret=eq.1' }, `${UNABLE}[event: INSERT, schema: public, table: filter_probe, filters: [{"secret", "eq", "1", false}], select: nil]. Exception: ERROR P0001 (raise_exception) invalid column for filter secret`],
    [{ filter: `n=in.(${Array.from({ length: 101 }, (_, i) => i).join(',')})` }, /^Unable to subscribe .*\. Exception: ERROR P0001 \(raise_exception\) too many values for `in` filter\. Maximum 100$/s],
    [{ filter: 'n=match.1' }, `${UNABLE}[event: INSERT, schema: public, table: filter_probe, filters: [{"n", "match", "1", false}], select: nil]. Exception: ERROR P0001 (raise_exception) operator match requires a text-compatible column type, got integer`],
    [{ filter: 'name=match.(' }, `${UNABLE}[event: INSERT, schema: public, table: filter_probe, filters: [{"name", "match", "(", false}], select: nil]. Exception: ERROR P0001 (raise_exception) invalid regular expression for match filter: invalid regular expression: parentheses () not balanced`],
    [{ filter: 'n=is.true' }, `${UNABLE}[event: INSERT, schema: public, table: filter_probe, filters: [{"n", "is", "true", false}], select: nil]. Exception: ERROR P0001 (raise_exception) is true filter requires a boolean column, got integer`],
    [{ select: ['name', 'secret'] }, `${UNABLE}[event: INSERT, schema: public, table: filter_probe, filters: [], select: ["name", "secret"]]. Exception: ERROR P0001 (raise_exception) invalid column for select secret`],
    [{ table: undefined, select: ['id'] }, 'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.'],
    [{ select: 'name' }, 'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]'],
    [{ filter: 'n=eq.1,,n=eq.2' }, 'Error parsing `filter` params: filter must not contain empty segments (check for extra commas)'],
    [{ filter: 'n=in.1' }, 'Error parsing `filter` params: `in` filter value must be wrapped by parentheses'],
    [{ filter: 'n=foo.1' }, 'Error parsing `filter` params: ["foo", "1"]'],
  ];
  for (const [spec, want] of cases) {
    const { system } = await listen(sb, spec);
    assert.equal(system[0]!.status, 'error', JSON.stringify(spec));
    assert.equal(system[0]!.extension, 'postgres_changes');
    if (typeof want === 'string') assert.equal(system[0]!.message, want, JSON.stringify(spec));
    else assert.match(system[0]!.message, want);
  }
  assert.equal(good.system[0]!.status, 'ok');
  assert.equal(sb.realtime.isConnected(), true);
  await db.query(`insert into public.filter_probe (id, name) values (20, 'still-here'), (21, 'other')`);
  await waitFor(() => good.got[0], 5000, 'delivery on the healthy channel');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(good.got.map((p) => p.new.id), [20]);
  await sb.removeAllChannels();
  await db.query('delete from public.filter_probe');
});
