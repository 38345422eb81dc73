import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionSql, decideLocally, type BoundCondition } from './conditions.ts';

const c = (op: BoundCondition['op'], type: string, value: string, canon: (string | null)[] | null, negate = false): BoundCondition =>
  ({ column: 'x', op, value, negate, type, sqlType: type, canon });

test('NULL matches only is.null, isdistinct and their negations as SQL says; NOT NULL is still no match', () => {
  assert.equal(decideLocally(c('is', 'text', 'null', null), null), true);
  assert.equal(decideLocally(c('is', 'text', 'null', null, true), null), false);
  assert.equal(decideLocally(c('eq', 'text', 'a', ['a']), null), null);
  assert.equal(decideLocally(c('eq', 'text', 'a', ['a'], true), null), null);
  assert.equal(decideLocally(c('isdistinct', 'int4', '5', ['5']), null), true);
  assert.equal(decideLocally(c('isdistinct', 'int4', '5', ['5'], true), null), false);
});

test('equality on canonical types and integer order are decided locally; the rest is left to Postgres', () => {
  assert.equal(decideLocally(c('eq', 'uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), true);
  assert.equal(decideLocally(c('gt', 'int8', '9007199254740993', ['9007199254740993']), '9007199254740994'), true);
  assert.equal(decideLocally(c('in', 'int4', '{1,NULL}', ['1', null]), '2'), null, 'x IN (1, NULL) is NULL when x is not 1');
  assert.equal(decideLocally(c('in', 'int4', '{1,NULL}', ['1', null], true), '2'), null);
  assert.equal(decideLocally(c('is', 'bool', 'false', null, true), 't'), true);
  assert.equal(decideLocally(c('lt', 'text', 'b', ['b']), 'a'), undefined, 'text order follows the collation');
  assert.equal(decideLocally(c('eq', 'numeric', '1.0', ['1.0']), '1.00'), undefined);
  assert.equal(decideLocally(c('like', 'text', 'a%', null), 'abc'), undefined);
});

test('the SQL of each operator, negated with NOT except IS and IS DISTINCT', () => {
  assert.equal(conditionSql(c('in', 'integer', '{1}', null, true), 1, 2), '(NOT ($1::text::integer = any($2::text::integer[])))');
  assert.equal(conditionSql(c('imatch', 'text', 'x', null), 1, 2), '($1::text::text ~* ($2::text::text))');
  assert.equal(conditionSql(c('isdistinct', 'text', 'x', null, true), 3, 4), '($3::text::text IS NOT DISTINCT FROM $4::text::text)');
  assert.equal(conditionSql(c('is', 'boolean', 'unknown', null, true), 1, 2), '($1::text::boolean IS NOT UNKNOWN)');
});
