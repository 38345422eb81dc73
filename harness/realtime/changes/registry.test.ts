import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, type Binding, type Subscription } from './registry.ts';
import type { Change } from './types.ts';

const sub = (id: string, bindings: Binding[]): Subscription => ({ id, claims: {}, bindings, deliver: () => {} });
const eqUser = (user: string): Binding => ({
  id: 1, event: 'UPDATE', schema: 'public', table: 'audio_files', filter: `user_id=eq.${user}`,
  conditions: [{ column: 'user_id', op: 'eq', value: user, negate: false, sqlType: 'uuid', type: 'uuid', canon: [user] }],
  eqIndex: { key: 'public.audio_files.user_id', value: user },
});
const change = (type: Change['type'], row: Record<string, unknown>, table = 'audio_files') =>
  ({ type, schema: 'public', table, record: type === 'DELETE' ? undefined : row, oldRecord: type === 'DELETE' ? row : undefined } as unknown as Change);
const ids = (it: Iterable<Subscription>) => [...it].map((s) => s.id).sort();

test('an eq binding is found by the row value; others on the table are not candidates', () => {
  const r = new Registry();
  r.add(sub('a', [eqUser('u1')]));
  r.add(sub('b', [eqUser('u2')]));
  assert.deepEqual(ids(r.candidates(change('UPDATE', { user_id: 'u1' }))), ['a']);
  assert.deepEqual(ids(r.candidates(change('DELETE', { user_id: 'u2' }))), ['b'], 'DELETE looks at the old record');
  assert.deepEqual(ids(r.candidates(change('UPDATE', { user_id: null }))), []);
});

test('a subscription with any unindexable binding is always a candidate, on every table', () => {
  const r = new Registry();
  r.add(sub('all', [{ id: 1, event: '*', schema: 'public', conditions: [] }]));
  r.add(sub('mixed', [eqUser('u1'), { id: 2, event: 'INSERT', schema: 'public', table: 'usage_logs', filter: 'uploads_count=gt.3', conditions: [{ column: 'uploads_count', op: 'gt', value: '3', negate: false, sqlType: 'integer', type: 'int4', canon: ['3'] }] }]));
  assert.deepEqual(ids(r.candidates(change('UPDATE', { user_id: 'u9' }))), ['all', 'mixed']);
  assert.deepEqual(ids(r.candidates(change('INSERT', { id: 1 }, 'transcript_runs'))), ['all', 'mixed']);
});

test('remove takes a subscription out of every index; re-adding an id replaces it', () => {
  const r = new Registry();
  r.add(sub('a', [eqUser('u1')]));
  r.remove('a');
  assert.deepEqual(ids(r.candidates(change('UPDATE', { user_id: 'u1' }))), []);
  r.add(sub('a', [eqUser('u1')]));
  r.add(sub('a', [eqUser('u2')]));
  assert.deepEqual(ids(r.candidates(change('UPDATE', { user_id: 'u1' }))), []);
  assert.deepEqual(ids(r.candidates(change('UPDATE', { user_id: 'u2' }))), ['a']);
  assert.equal(r.get('a')?.bindings[0]?.eqIndex?.value, 'u2');
});
