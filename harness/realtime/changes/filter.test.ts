// Expected values are the real server's (subscriptions.ex parse_subscription_params and its doctests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresChangesFilter } from '@supabase/realtime-js';
import { OPERATORS, parseFilter, parseSelect, paramsToLog, FilterError, type Condition } from './filter.ts';

const cond = (column: string, op: Condition['op'], value: string, negate = false): Condition => ({ column, op, value, negate });
const refusal = (filter: string) => {
  try {
    parseFilter(filter);
  } catch (err) {
    assert.ok(err instanceof FilterError);
    return err.message;
  }
  assert.fail(`${filter} was accepted`);
};

test('every operator, with and without not.', () => {
  for (const op of OPERATORS) {
    const value = op === 'in' ? '(a,b)' : 'v';
    const stored = op === 'in' ? '{a,b}' : 'v';
    assert.deepEqual(parseFilter(`col=${op}.${value}`), [cond('col', op, stored)]);
    assert.deepEqual(parseFilter(`col=not.${op}.${value}`), [cond('col', op, stored, true)]);
  }
});

test('the doctests: in, not.like, AND, empty and blank filters', () => {
  assert.deepEqual(parseFilter('subject=eq.hey'), [cond('subject', 'eq', 'hey')]);
  assert.deepEqual(parseFilter('subject=in.(hidee,ho)'), [cond('subject', 'in', '{hidee,ho}')]);
  assert.deepEqual(parseFilter('subject=not.like.hey%'), [cond('subject', 'like', 'hey%', true)]);
  assert.deepEqual(parseFilter('id=gt.0,id=lt.100'), [cond('id', 'gt', '0'), cond('id', 'lt', '100')]);
  assert.deepEqual(parseFilter(''), []);
  assert.deepEqual(parseFilter('   '), []);
});

test('a value keeps dots after the operator; like keeps * (the server does not read it as %)', () => {
  assert.deepEqual(parseFilter('name=like.*.wav'), [cond('name', 'like', '*.wav')]);
  assert.deepEqual(parseFilter('n=eq.1.5'), [cond('n', 'eq', '1.5')]);
});

test('commas inside parentheses or double quotes do not split; quotes and backslashes are unescaped', () => {
  assert.deepEqual(parseFilter('name=eq."a,b",id=in.(1,2)'), [cond('name', 'eq', 'a,b'), cond('id', 'in', '{1,2}')]);
  assert.deepEqual(parseFilter('name=eq."x(y"'), [cond('name', 'eq', 'x(y')]);
  assert.deepEqual(parseFilter('name=eq."say \\"hi\\", ok"'), [cond('name', 'eq', 'say "hi", ok')]);
  assert.deepEqual(parseFilter('name=eq."back\\\\slash"'), [cond('name', 'eq', 'back\\slash')]);
  // An `in` item stays quoted: the list goes to Postgres as an array literal, which reads the quotes.
  assert.deepEqual(parseFilter('name=in.("a,b","c\\"d",e)'), [cond('name', 'in', '{"a,b","c\\"d",e}')]);
  // Not one quoted string: kept as sent.
  assert.deepEqual(parseFilter('name=eq."a"b"'), [cond('name', 'eq', '"a"b"')]);
  assert.deepEqual(parseFilter('name=eq."open'), [cond('name', 'eq', '"open')]);
  assert.deepEqual(parseFilter('name=eq.a"b'), [cond('name', 'eq', 'a"b')]);
});

test('a quote opens only after ".", "(" or "," inside a condition, not right after a top-level comma', () => {
  assert.equal(refusal('a=eq.1,"x,y"=eq.2'), 'Error parsing `filter` params: ["\\"x"]');
});

test('the realtime-js filter builder output parses to the conditions it means', () => {
  const built = postgresChangesFilter()
    .eq('name', 'a,b').in('status', ['x,y', 'z', 'say "q"']).not('error', 'is', null).like('name', '%.wav')
    .ilike('name', 'A%').isDistinct('duration_ms', 5).match('name', '^a(b|c)$').imatch('name', 'X').neq('id', ' pad ')
    .gt('duration_ms', 1).gte('duration_ms', 2).lt('duration_ms', 3).lte('duration_ms', 4).is('flag', true)
    .build();
  assert.deepEqual(parseFilter(built), [
    cond('name', 'eq', 'a,b'), cond('status', 'in', '{"x,y",z,"say \\"q\\""}'), cond('error', 'is', 'null', true),
    cond('name', 'like', '%.wav'), cond('name', 'ilike', 'A%'), cond('duration_ms', 'isdistinct', '5'),
    cond('name', 'match', '^a(b|c)$'), cond('name', 'imatch', 'X'), cond('id', 'neq', ' pad '),
    cond('duration_ms', 'gt', '1'), cond('duration_ms', 'gte', '2'), cond('duration_ms', 'lt', '3'), cond('duration_ms', 'lte', '4'),
    cond('flag', 'is', 'true'),
  ]);
});

test('malformed filters are refused with the real texts', () => {
  const cases: [string, string][] = [
    ['subject=foo.hey', '["foo", "hey"]'],
    ['subject=not.foo.hey', '["foo", "hey"]'],
    ['undefined', '["undefined"]'],
    ['id=eq', '["eq"]'],
    ['id=not', '["not"]'],
    ['id=in.1', '`in` filter value must be wrapped by parentheses'],
    ['id=in.(1', '`in` filter value must be wrapped by parentheses'],
    ['id=eq.1,,id=eq.2', 'filter must not contain empty segments (check for extra commas)'],
    ['id=eq.1,', 'filter must not contain empty segments (check for extra commas)'],
    [',id=eq.1', 'filter must not contain empty segments (check for extra commas)'],
    ['a=b"#{x}\\', '["b\\"\\#{x}\\\\"]'],
  ];
  for (const [filter, why] of cases) assert.equal(refusal(filter), `Error parsing \`filter\` params: ${why}`, filter);
});

test('select: a list keeps its strings, an empty one means all columns, a string is refused', () => {
  assert.deepEqual(parseSelect(['a', 'b', 3]), ['a', 'b']);
  assert.equal(parseSelect([]), undefined);
  assert.equal(parseSelect(undefined), undefined);
  assert.equal(parseSelect({ a: 1 }), undefined);
  assert.throws(() => parseSelect('a,b'), { message: 'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]' });
});

test('params_to_log: tuples, nil select, and pretty-printing past 80 columns', () => {
  assert.equal(
    paramsToLog({ event: '*', schema: 'public', table: 'test', conditions: [cond('subject', 'eq', 'hey')] }),
    'event: *, schema: public, table: test, filters: [{"subject", "eq", "hey", false}], select: nil',
  );
  assert.equal(
    paramsToLog({ event: 'INSERT', schema: 'public', table: 't', conditions: [], select: ['a', 'b'] }),
    'event: INSERT, schema: public, table: t, filters: [], select: ["a", "b"]',
  );
  assert.equal(
    paramsToLog({ event: '*', schema: 'public', table: 't', conditions: [cond('user_id', 'eq', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), cond('name', 'like', 'x%', true)] }),
    'event: *, schema: public, table: t, filters: [\n  {"user_id", "eq", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", false},\n  {"name", "like", "x%", true}\n], select: nil',
  );
});
