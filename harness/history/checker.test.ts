import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CHECKERS, CHECKER_NAMES, isCheckerName, checkAll, checkSafe, compose, conflictRule, convergence, describeFailures, isolation, latencyBudget,
  mergeValid, monotonicReads, noDoubleApply, noLostWrite, noResurrection, overall, readYourWrites, replayOrder, staleWhileConnected, writesFollowReads,
  type Valid,
} from './checker.ts';
import { toJepsenEdn } from './jepsen.ts';
import { syntheticHistory } from '../bench/checkers.ts';
import type { HistoryEntry, LedgerEntry, RowVersion, Verdict } from '../schema/history.ts';
import config from '../../syncwright.config.ts';
import { MIN_P95_SAMPLES, summarize, withinBudget } from './budget.ts';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');

/** A small history builder: every entry 10 ms after the last; `now()` is a server stamp of this moment. */
function builder() {
  const h: HistoryEntry[] = [];
  let t = T0;
  const docs = new Map<string, number>();
  const paths = new Map<string, string>();
  const add = (process: string, type: HistoryEntry['type'], f: HistoryEntry['f'], value: Record<string, unknown>) => {
    t += 10;
    h.push({ index: h.length, time: t - T0, wall: new Date(t).toISOString(), process, type, f, value });
    return h[h.length - 1]!;
  };
  const b = {
    h,
    now: () => `${new Date(t).toISOString().slice(0, 23)}500Z`,
    wait: (ms: number) => void (t += ms),
    row: (id: string, userId: string, name: string, updatedAt: string): RowVersion => ({ id, userId, name, status: 'uploaded', updatedAt }),
    login: (c: string, user: string) => add(c, 'ok', 'login', { user, email: `${user}@example.test` }),
    open(c: string, path = '/') {
      docs.set(c, (docs.get(c) ?? 0) + 1);
      paths.set(c, path);
      b.see(c, '', '', { testid: 'document', event: 'added' });
      return b.see(c, '', '', { testid: 'connection-status', status: 'connected' });
    },
    see: (c: string, id: string, updatedAt: string, o: { testid?: string; event?: string; name?: string; status?: string } = {}) => add(c, 'ok', 'observe', {
      doc: `${c}-${docs.get(c) ?? 0}`, path: paths.get(c) ?? '/', testid: o.testid ?? 'audio-row', event: o.event ?? 'set', id, updatedAt,
      status: o.status ?? '', name: o.name ?? '',
    }),
    /** A row shown in the list and, with its name, in the detail view. */
    show: (c: string, r: RowVersion, event = 'set') => {
      b.see(c, r.id, r.updatedAt, { event });
      return b.see(c, r.id, r.updatedAt, { testid: 'audio-detail', name: r.name });
    },
    ui: (c: string, op: string, entityId?: string, name?: string) => add(c, 'ok', 'ui', { op, ...(entityId ? { entityId } : {}), ...(name ? { name } : {}) }),
    send: (c: string, f: HistoryEntry['f'], mutationId: string, entityId: string, extra: Record<string, unknown> = {}) => add(c, 'invoke', f, { mutationId, entityId, ...extra }),
    ok: (c: string, f: HistoryEntry['f'], mutationId: string, entityId: string, row?: RowVersion) =>
      add(c, 'ok', f, { mutationId, entityId, status: f === 'create' ? 201 : 200, ...(row ? { row } : {}) }),
    /** No response reached the browser (the link was down): the outcome is unknown. */
    info: (c: string, f: HistoryEntry['f'], mutationId: string, entityId: string) => add(c, 'info', f, { mutationId, entityId, error: 'net::ERR_CONNECTION_REFUSED' }),
    fail: (c: string, f: HistoryEntry['f'], mutationId: string, entityId: string, current?: RowVersion, status = 409) =>
      add(c, 'fail', f, { mutationId, entityId, status, ...(current ? { current } : {}) }),
    receive: (c: string, row: RowVersion) => add(c, 'ok', 'receive', { topic: 'realtime:x', event: 'postgres_changes', table: 'audio_files', type: 'UPDATE', id: row.id, row, userId: row.userId }),
    receiveDelete: (c: string, id: string, userId: string) => add(c, 'ok', 'receive', { topic: 'realtime:x', event: 'postgres_changes', table: 'audio_files', type: 'DELETE', id, userId }),
    write: (p: string, op: string, entityId: string, user: string, row: RowVersion | null) => add(p, 'ok', 'write', { op, entityId, user, row }),
    fault: (kind: string, phase: 'start' | 'end', client?: string) => add('nemesis', 'info', 'fault', { kind, phase, ...(client ? { client } : {}) }),
    ledger: (entries: LedgerEntry[]) => add('db', 'ok', 'ledger', { entries }),
    dbRead: (entities: RowVersion[]) => add('db', 'ok', 'final-read', { entities }),
    clientUnsettled: (c: string, user: string) => add(c, 'info', 'final-read', { user, error: 'never quiesced' }),
    clientRead: (c: string, user: string, entities: RowVersion[]) => add(c, 'ok', 'final-read', { user, entities: entities.map(({ userId: _, ...r }) => r) }),
  };
  return b;
}

const L = (mutationId: string, kind: string, entityId: string, userId: string, statusCode = 200): LedgerEntry => ({ mutationId, kind, entityId, statusCode, userId });

/**
 * Three profiles: c1 and c2 signed in as alice, c3 as bob. Uploads, a rename, a rename refused (409)
 * because the other profile renamed first, a delete, a server-side write; then the ledger and the final
 * reads. Valid under every checker.
 */
function valid() {
  const b = builder();
  for (const [c, u] of [['c1', 'alice'], ['c2', 'alice'], ['c3', 'bob']] as const) {
    b.login(c, u);
    b.open(c);
  }
  b.ui('c1', 'upload', undefined, 'a.wav');
  b.see('c1', 'f1', '', { event: 'added' }); // optimistic: no server version yet
  b.send('c1', 'create', 'm1', 'f1', { name: 'a.wav' });
  const a1 = b.row('f1', 'alice', 'a.wav', b.now());
  b.ok('c1', 'create', 'm1', 'f1', a1);
  b.show('c1', a1);
  b.receive('c2', a1);
  b.show('c2', a1, 'added');

  b.ui('c3', 'upload', undefined, 'b.wav');
  b.send('c3', 'create', 'm2', 'f2', { name: 'b.wav' });
  const b1 = b.row('f2', 'bob', 'b.wav', b.now());
  b.ok('c3', 'create', 'm2', 'f2', b1);
  b.show('c3', b1, 'added');

  // c1 renames f1; c2 renames it too before it has seen c1's version: refused, told, shown the server's.
  b.ui('c1', 'rename', 'f1', 'x.wav');
  b.send('c1', 'rename', 'm3', 'f1', { name: 'x.wav', baseUpdatedAt: a1.updatedAt });
  const a2 = b.row('f1', 'alice', 'x.wav', b.now());
  b.ok('c1', 'rename', 'm3', 'f1', a2);
  b.show('c1', a2);
  b.ui('c2', 'rename', 'f1', 'y.wav');
  b.send('c2', 'rename', 'm4', 'f1', { name: 'y.wav', baseUpdatedAt: a1.updatedAt });
  b.fail('c2', 'rename', 'm4', 'f1', a2);
  b.see('c2', 'f1', '', { testid: 'notification', status: 'conflict', event: 'added' });
  b.show('c2', a2);

  // c3 uploads and deletes a file; a server-side writer renames bob's other one.
  b.ui('c3', 'upload', undefined, 'tmp.wav');
  b.send('c3', 'create', 'm5', 'f3', { name: 'tmp.wav' });
  const t1 = b.row('f3', 'bob', 'tmp.wav', b.now());
  b.ok('c3', 'create', 'm5', 'f3', t1);
  b.show('c3', t1, 'added');
  b.ui('c3', 'delete', 'f3');
  b.send('c3', 'delete', 'm6', 'f3', { baseUpdatedAt: t1.updatedAt });
  b.ok('c3', 'delete', 'm6', 'f3');
  b.see('c3', 'f3', t1.updatedAt, { event: 'removed' });
  const b2 = b.row('f2', 'bob', 'by-server.wav', b.now());
  b.write('writer-1', 'rename', 'f2', 'bob', b2);
  b.receive('c3', b2);
  b.show('c3', b2);

  b.wait(500);
  b.ledger([L('m1', 'create', 'f1', 'alice', 201), L('m2', 'create', 'f2', 'bob', 201), L('m3', 'rename', 'f1', 'alice'), L('m4', 'rename', 'f1', 'alice', 409), L('m5', 'create', 'f3', 'bob', 201), L('m6', 'delete', 'f3', 'bob')]);
  b.dbRead([a2, b2]);
  b.clientRead('c1', 'alice', [a2]);
  b.clientRead('c2', 'alice', [a2]);
  b.clientRead('c3', 'bob', [b2]);
  return { b, a1, a2, b1, b2 };
}

const kinds = (v: Verdict) => v.anomalies.map((a) => a.kind);
const fails = (v: Verdict, kind: string) => {
  assert.equal(v.valid, false, `${v.name} should fail with ${kind}`);
  assert.ok(kinds(v).includes(kind), `${v.name}: expected ${kind}, got ${JSON.stringify(v.anomalies)}`);
};
const passes = (v: Verdict) => assert.equal(v.valid, true, `${v.name}: ${JSON.stringify(v.anomalies)}`);
/** The history with its ledger's entries replaced. */
const withLedger = (h: HistoryEntry[], f: (xs: LedgerEntry[]) => LedgerEntry[]) =>
  h.map((e) => (e.f === 'ledger' ? { ...e, value: { entries: f(e.value.entries as LedgerEntry[]) } } : e));

test('a valid multi-client history passes every checker', () => {
  const verdicts = checkAll(valid().b.h);
  assert.deepEqual(verdicts.map((v) => v.name), [...CHECKER_NAMES]);
  for (const v of verdicts) passes(v);
  assert.equal(overall(verdicts), true);
});

test('a synthetic history of the bench passes every checker', () => {
  for (const v of checkAll(syntheticHistory(600, 3))) passes(v);
});

test('convergence: missing, diverged and phantom rows, an unquiesced client, no database read', () => {
  const { b, a2, b2 } = valid();
  const h = b.h;
  const swap = (c: string, entities: RowVersion[]) => h.map((e) => (e.f === 'final-read' && e.process === c ? { ...e, value: { user: e.value.user, entities } } : e));
  fails(convergence(swap('c1', [])), 'missing');
  fails(convergence(swap('c1', [{ ...a2, name: 'old.wav' }])), 'diverged');
  fails(convergence(swap('c1', [a2, b2])), 'phantom'); // bob's row on alice's profile
  fails(convergence(h.map((e) => (e.f === 'final-read' && e.process === 'c2' ? { ...e, type: 'info' as const, value: { user: 'alice', error: 'timeout' } } : e))), 'not-quiesced');
  assert.equal(convergence(h.filter((e) => !(e.f === 'final-read' && e.process === 'db'))).valid, 'unknown');
});

test('convergence judges the last round of final reads', () => {
  const { b, a2 } = valid();
  const a3 = { ...a2, name: 'z.wav', updatedAt: b.now() };
  b.dbRead([a3, valid().b2]);
  b.clientRead('c1', 'alice', [a3]);
  b.clientRead('c2', 'alice', [a3]);
  b.clientRead('c3', 'bob', [valid().b2]);
  passes(convergence(b.h));
});

test('no-lost-write: an acknowledged mutation missing from the ledger is lost', () => {
  fails(noLostWrite(withLedger(valid().b.h, (xs) => xs.filter((x) => x.mutationId !== 'm3'))), 'lost');
  // Answered from the ledger (a replay): not judged against it.
  const h = withLedger(valid().b.h, (xs) => xs.filter((x) => x.mutationId !== 'm3'))
    .map((e) => (e.f === 'rename' && e.type === 'ok' ? { ...e, value: { ...e.value, deduplicated: true } } : e));
  passes(noLostWrite(h));
});

test("no-lost-write: the user's last offline rename must be sent; folding earlier ones into it is fine", () => {
  const make = (sent: string[]) => {
    const b = builder();
    b.login('c1', 'alice');
    b.open('c1');
    const r = b.row('f1', 'alice', 'a.wav', b.now());
    b.show('c1', r);
    for (const n of ['p.wav', 'q.wav', 'r.wav']) b.ui('c1', 'rename', 'f1', n);
    sent.forEach((n, i) => b.send('c1', 'rename', `m${i}`, 'f1', { name: n, baseUpdatedAt: r.updatedAt }));
    return b.h;
  };
  passes(noLostWrite(make(['r.wav'])));
  passes(noLostWrite(make(['p.wav', 'q.wav', 'r.wav'])));
  fails(noLostWrite(make(['p.wav'])), 'unsent');
  // Deleted afterwards: the rename need not go out.
  const deleted = make([]);
  deleted.push({ ...deleted[deleted.length - 1]!, index: deleted.length, value: { op: 'delete', entityId: 'f1' }, f: 'ui', type: 'ok' });
  passes(noLostWrite(deleted));
});

/** alice's c1, on f1's detail page, renames it to p.wav; `shown`: the page then shows the new name. */
function renameOnDetail(b: ReturnType<typeof builder>, shown: boolean): RowVersion {
  b.login('c1', 'alice');
  b.open('c1', '/audio/f1');
  const r = b.row('f1', 'alice', 'a.wav', b.now());
  b.show('c1', r);
  b.ui('c1', 'rename', 'f1', 'p.wav');
  if (shown) b.show('c1', { ...r, name: 'p.wav' });
  return r;
}

test('no-lost-write: a rename the page never showed before the tab closed right after it was never acknowledged', () => {
  const make = (o: { shown: boolean; leaveAfterMs: number }) => {
    const b = builder();
    renameOnDetail(b, o.shown);
    b.wait(o.leaveAfterMs);
    b.ui('c1', 'away');
    b.open('c1', 'blank');
    return b.h;
  };
  // Pressed Enter, closed the tab 70 ms later, before the page reacted: may be lost.
  passes(noLostWrite(make({ shown: false, leaveAfterMs: 70 })));
  // The page showed the new name: the user was told, so it must go out.
  fails(noLostWrite(make({ shown: true, leaveAfterMs: 70 })), 'unsent');
  // An app that never shows a rename is judged as if it had, once its page stayed long enough.
  fails(noLostWrite(make({ shown: false, leaveAfterMs: 1_500 })), 'unsent');
});

test('no-lost-write: a rename sent while the link was down is sent again, by its tab or another tab of the profile, until applied or refused', () => {
  const make = (o: { again?: 'same-tab' | 'other-tab' | 'refused'; settled?: false }) => {
    const b = builder();
    const r = renameOnDetail(b, true);
    const send = (c: string) => b.send(c, 'rename', 'm1', 'f1', { name: 'p.wav', baseUpdatedAt: r.updatedAt });
    send('c1');
    b.info('c1', 'rename', 'm1', 'f1');
    if (o.again === 'other-tab') b.login('c2', 'alice');
    if (o.again) send(o.again === 'other-tab' ? 'c2' : 'c1');
    if (o.again === 'refused') b.fail('c1', 'rename', 'm1', 'f1', r);
    else if (o.again) b.ok(o.again === 'other-tab' ? 'c2' : 'c1', 'rename', 'm1', 'f1', { ...r, name: 'p.wav', updatedAt: b.now() });
    if (o.settled === false) b.clientUnsettled('c1', 'alice');
    b.ledger(o.again && o.again !== 'refused' ? [L('m1', 'rename', 'f1', 'alice')] : []);
    return b.h;
  };
  // The tab that queued it closed, and the tab left wrote its own queue over the stored one.
  fails(noLostWrite(make({})), 'unapplied');
  passes(noLostWrite(make({ again: 'same-tab' })));
  passes(noLostWrite(make({ again: 'other-tab' })));
  // Refused: the conflict rule judges it.
  passes(noLostWrite(make({ again: 'refused' })));
  // A client that never quiesced: convergence judges it.
  passes(noLostWrite(make({ settled: false })));
});

test('no-lost-write: the database ending older than an acknowledged rename, or holding an acknowledged delete', () => {
  const { b, a1, b2 } = valid();
  b.dbRead([a1, b2]);
  fails(noLostWrite(b.h), 'rolled-back');
  const t = builder();
  t.login('c1', 'alice');
  t.ui('c1', 'delete', 'f9');
  t.send('c1', 'delete', 'm1', 'f9', { baseUpdatedAt: 'x' });
  t.ok('c1', 'delete', 'm1', 'f9');
  t.ledger([L('m1', 'delete', 'f9', 'alice')]);
  t.dbRead([t.row('f9', 'alice', 'kept.wav', t.now())]);
  fails(noLostWrite(t.h), 'undeleted');
});

test('no-double-apply: one mutationId twice, a file created twice, a rename re-sent under a new id', () => {
  fails(noDoubleApply(withLedger(valid().b.h, (xs) => [...xs, L('m3', 'rename', 'f1', 'alice')])), 'double-apply');
  fails(noDoubleApply(withLedger(valid().b.h, (xs) => [...xs, L('m9', 'create', 'f1', 'alice', 201)])), 'double-create');
  // The response to m3 was lost and the client sent the same rename again as m3b: applied twice, made once.
  const { b } = valid();
  const h = b.h.flatMap((e) => (e.f === 'rename' && e.value.mutationId === 'm3' && e.type === 'invoke'
    ? [e, { ...e, type: 'info' as const, value: { mutationId: 'm3', entityId: 'f1', error: 'net::ERR_CONNECTION_RESET' } }, { ...e, value: { ...e.value, mutationId: 'm3b' } }]
    : [e])).map((e, index) => ({ ...e, index }));
  fails(noDoubleApply(withLedger(h, (xs) => [...xs, L('m3b', 'rename', 'f1', 'alice')])), 'resent');
  assert.equal(noDoubleApply(valid().b.h.filter((e) => e.f !== 'ledger')).valid, 'unknown');
});

/** c1 renames f1 then f2 while offline (or f1 twice), and sends them in `order`. */
function offline(intents: [string, string][], sent: [string, string][]) {
  const b = builder();
  b.login('c1', 'alice');
  b.open('c1');
  for (const [id, name] of intents) b.ui('c1', 'rename', id, name);
  sent.forEach(([id, name], i) => b.send('c1', 'rename', `m${i}`, id, { name, baseUpdatedAt: '' }));
  b.ledger(sent.map(([id], i) => L(`m${i}`, 'rename', id, 'alice')));
  return b.h;
}

test('replay-order: the server applies one client\'s mutations in the order its user made them', () => {
  passes(replayOrder(offline([['f1', 'p'], ['f2', 'q']], [['f1', 'p'], ['f2', 'q']])));
  fails(replayOrder(offline([['f1', 'p'], ['f2', 'q']], [['f2', 'q'], ['f1', 'p']])), 'reordered');
  fails(replayOrder(offline([['f1', 'p'], ['f1', 'q']], [['f1', 'q'], ['f1', 'p']])), 'reordered');
  // Folded renames of f1 (p, then r): sent in the first's place or the last's, both keep the order.
  passes(replayOrder(offline([['f1', 'p'], ['f2', 'q'], ['f1', 'r']], [['f1', 'r'], ['f2', 'q']])));
  passes(replayOrder(offline([['f1', 'p'], ['f2', 'q'], ['f1', 'r']], [['f2', 'q'], ['f1', 'r']])));
  // Two renames to one name (x, y, x, z), the first x folded away: the x sent stands for the second.
  passes(replayOrder(offline([['f1', 'x'], ['f1', 'y'], ['f1', 'x'], ['f1', 'z']], [['f1', 'y'], ['f1', 'x'], ['f1', 'z']])));
  // Still out of order when no later rename to that name exists.
  fails(replayOrder(offline([['f1', 'x'], ['f1', 'y'], ['f1', 'z']], [['f1', 'y'], ['f1', 'x'], ['f1', 'z']])), 'reordered');
});

test('replay-order: an upload ties to its intent by name; untied requests keep their send order', () => {
  const b = builder();
  b.login('c1', 'alice');
  b.ui('c1', 'upload', undefined, 'a.wav');
  b.ui('c1', 'rename', 'f0', 'z');
  b.send('c1', 'rename', 'm2', 'f0', { name: 'z', baseUpdatedAt: '' });
  b.send('c1', 'create', 'm1', 'f1', { name: 'a.wav' });
  b.send('c1', 'upload', 'm1u', 'f1');
  b.ledger([L('m2', 'rename', 'f0', 'alice'), L('m1', 'create', 'f1', 'alice', 201), L('m1u', 'upload', 'f1', 'alice')]);
  fails(replayOrder(b.h), 'reordered');
  const untied = builder();
  untied.login('c1', 'alice');
  untied.send('c1', 'rename', 'm1', 'f1', { name: 'a', baseUpdatedAt: '' });
  untied.send('c1', 'rename', 'm2', 'f2', { name: 'b', baseUpdatedAt: '' });
  untied.ledger([L('m2', 'rename', 'f2', 'alice'), L('m1', 'rename', 'f1', 'alice')]);
  fails(replayOrder(untied.h), 'reordered');
});

test('replay-order: each account of a switching profile has its queue, even for requests sent while the switch was under way', () => {
  const b = builder();
  b.login('c1', 'alice');
  b.open('c1');
  b.ui('c1', 'rename', 'f1', 'p'); // alice's row
  b.login('c1', 'bob');
  b.send('c1', 'rename', 'm1', 'f1', { name: 'p', baseUpdatedAt: '' }); // the old page, mid-switch
  b.open('c1');
  b.ui('c1', 'rename', 'f2', 'q'); // bob's row
  b.login('c1', 'alice');
  b.send('c1', 'rename', 'm2', 'f2', { name: 'q', baseUpdatedAt: '' }); // bob's page, mid-switch
  // bob's rename reaches the server before alice's older one (hers waited in her queue): fine.
  b.ledger([L('m2', 'rename', 'f2', 'bob'), L('m1', 'rename', 'f1', 'alice')]);
  passes(replayOrder(b.h));
});

test('read-your-writes: after its own acknowledged write, a client never shows the row older, nor its version misnamed', () => {
  const { b, a1, a2 } = valid();
  b.show('c1', a1);
  fails(readYourWrites(b.h), 'stale-own-write');
  const w = valid();
  w.b.see('c1', 'f1', w.a2.updatedAt, { testid: 'audio-detail', name: 'not-x.wav' });
  fails(readYourWrites(w.b.h), 'wrong-name');
  // Renamed again by the user since: the optimistic name shows on the acknowledged version.
  const o = valid();
  o.b.ui('c1', 'rename', 'f1', 'next.wav');
  o.b.see('c1', 'f1', o.a2.updatedAt, { testid: 'audio-detail', name: 'next.wav' });
  passes(readYourWrites(o.b.h));
  // A queued rename acknowledged after the user renamed again: the later optimistic name is the user's own.
  const q = builder();
  q.login('c1', 'alice');
  q.open('c1', '/audio/f1');
  q.ui('c1', 'rename', 'f1', 'first.wav');
  q.ui('c1', 'rename', 'f1', 'second.wav');
  q.send('c1', 'rename', 'm1', 'f1', { name: 'first.wav', baseUpdatedAt: q.now() });
  const acked = q.row('f1', 'alice', 'first.wav', q.now());
  q.ok('c1', 'rename', 'm1', 'f1', acked);
  q.see('c1', 'f1', acked.updatedAt, { testid: 'audio-detail', name: 'second.wav' });
  passes(readYourWrites(q.h));
  // Another account on the same profile is not held to alice's writes.
  const s = valid();
  s.b.login('c1', 'bob');
  s.b.show('c1', a1);
  passes(readYourWrites(s.b.h));
  void a2;
});

test('monotonic-reads: a row never shows an older version than already shown, across a reload too', () => {
  const { b, a1 } = valid();
  b.ui('c2', 'reload');
  b.open('c2');
  b.show('c2', a1, 'added'); // a stale cache after the reload
  fails(monotonicReads(b.h), 'stale-read');
});

test('writes-follow-reads: a write based on a version older than one the user was shown', () => {
  const { b, a1, a2 } = valid();
  b.ui('c2', 'rename', 'f1', 'w.wav');
  b.send('c2', 'rename', 'm7', 'f1', { name: 'w.wav', baseUpdatedAt: a1.updatedAt });
  fails(writesFollowReads(b.h), 'stale-base');
  const ok = valid();
  ok.b.ui('c2', 'rename', 'f1', 'w.wav');
  ok.b.send('c2', 'rename', 'm7', 'f1', { name: 'w.wav', baseUpdatedAt: a2.updatedAt });
  passes(writesFollowReads(ok.b.h));
  const none = valid();
  none.b.ui('c2', 'delete', 'f1');
  none.b.send('c2', 'delete', 'm7', 'f1');
  fails(writesFollowReads(none.b.h), 'missing-base');
});

/** c1 deletes f1; c2 shows it gone; then `after` runs. */
function deleted(after: (b: ReturnType<typeof builder>, r: RowVersion) => void) {
  const b = builder();
  for (const c of ['c1', 'c2']) {
    b.login(c, 'alice');
    b.open(c);
  }
  const r = b.row('f1', 'alice', 'a.wav', b.now());
  const other = b.row('f2', 'alice', 'b.wav', b.now());
  for (const c of ['c1', 'c2']) {
    b.see(c, r.id, r.updatedAt, { event: 'added' });
    b.see(c, other.id, other.updatedAt, { event: 'added' });
  }
  b.ui('c1', 'delete', 'f1');
  b.send('c1', 'delete', 'm1', 'f1', { baseUpdatedAt: r.updatedAt });
  b.ok('c1', 'delete', 'm1', 'f1');
  b.see('c2', 'f1', r.updatedAt, { event: 'removed' });
  after(b, r);
  return b.h;
}

test('no-resurrection: a deleted row shown gone must not come back', () => {
  passes(noResurrection(deleted(() => {})));
  fails(noResurrection(deleted((b, r) => b.see('c2', r.id, r.updatedAt, { event: 'added' }))), 'resurrected');
  // After a reload too, from a cache that kept it.
  fails(noResurrection(deleted((b, r) => {
    b.open('c2');
    b.see('c2', r.id, r.updatedAt, { event: 'added' });
  })), 'resurrected');
  // Created again: fine.
  passes(noResurrection(deleted((b, r) => {
    b.write('writer-1', 'insert', r.id, 'alice', r);
    b.see('c2', r.id, r.updatedAt, { event: 'added' });
  })));
  // c2's own delete was refused in between: the row comes back on purpose.
  passes(noResurrection(deleted((b, r) => {
    b.send('c2', 'delete', 'm2', 'f1', { baseUpdatedAt: r.updatedAt });
    b.fail('c2', 'delete', 'm2', 'f1', r);
    b.see('c2', r.id, r.updatedAt, { event: 'added' });
  })));
});

test('no-resurrection: rows going with the whole page (its teardown) show nothing gone', () => {
  const make = (teardown: boolean) => {
    const b = builder();
    b.login('c1', 'alice');
    b.login('c2', 'alice');
    b.open('c2');
    const r = b.row('f1', 'alice', 'a.wav', b.now());
    b.see('c2', r.id, r.updatedAt, { event: 'added' });
    b.write('writer-1', 'delete', 'f1', 'alice', null);
    // A client-side navigation that failed offline falls back to a full one: the page goes, rows and all.
    if (teardown) b.see('c2', '', '', { testid: 'connection-status', event: 'removed' });
    b.see('c2', r.id, r.updatedAt, { event: 'removed' });
    b.open('c2');
    b.see('c2', r.id, r.updatedAt, { event: 'added' }); // the next document's cache, before its sync: stale
    return b.h;
  };
  passes(noResurrection(make(true)));
  fails(noResurrection(make(false)), 'resurrected');
});

test('no-resurrection: a list that was live without the row counts as showing it gone; a first render does not', () => {
  const live = builder();
  live.login('c1', 'alice');
  live.login('c2', 'alice');
  live.open('c2');
  const r = live.row('f1', 'alice', 'a.wav', live.now());
  const o = live.row('f2', 'alice', 'b.wav', live.now());
  live.write('writer-1', 'delete', 'f1', 'alice', null);
  live.open('c2');
  live.see('c2', o.id, o.updatedAt, { event: 'added' }); // first render: not yet a showing of f1 gone
  live.see('c2', r.id, r.updatedAt, { event: 'added' }); // from a stale cache: stale, not resurrected
  passes(noResurrection(live.h));
  live.see('c2', r.id, r.updatedAt, { event: 'removed' });
  live.see('c2', o.id, live.now(), { event: 'set' }); // the list is live, without f1
  live.see('c2', r.id, r.updatedAt, { event: 'added' });
  fails(noResurrection(live.h), 'resurrected');
});

test('no-resurrection: a list page whose rows the probe did not all see added shows nothing gone', () => {
  const make = (sawAdded: boolean) => {
    const b = builder();
    b.login('c1', 'alice');
    b.login('c2', 'alice');
    const r = b.row('f1', 'alice', 'a.wav', b.now());
    const o = b.row('f2', 'alice', 'b.wav', b.now());
    b.write('writer-1', 'delete', 'f1', 'alice', null);
    b.open('c2');
    // The page showed f2 and, for all we know, f1: only f2's adding was seen, or neither.
    if (sawAdded) b.see('c2', o.id, o.updatedAt, { event: 'added' });
    b.see('c2', o.id, b.now(), { event: 'set' });
    b.see('c2', o.id, b.now(), { event: 'set' }); // the list is live, without f1 as far as was seen
    b.open('c2');
    b.see('c2', r.id, r.updatedAt, { event: 'added' }); // the next page's cache, before its sync
    return b.h;
  };
  fails(noResurrection(make(true)), 'resurrected');
  passes(noResurrection(make(false)));
});

test('stale-while-connected: a connected page showing a row older than the server had committed long before fails; caught up, under a fault, gone sooner or with its own write in flight, it passes', () => {
  const make = (o: { caughtUp?: boolean; fault?: boolean; leaves?: boolean; ownRename?: boolean; deleted?: boolean } = {}) => {
    const b = builder();
    b.login('c1', 'alice');
    b.open('c1');
    const r1 = b.row('f1', 'alice', 'a.wav', b.now());
    b.write('writer-1', 'insert', 'f1', 'alice', r1);
    b.see('c1', 'f1', r1.updatedAt, { event: 'added' });
    if (o.fault) b.fault('cut', 'start', 'c1');
    const r2 = b.row('f1', 'alice', 'b.wav', b.now());
    b.write('writer-2', 'rename', 'f1', 'alice', r2);
    if (o.deleted) b.write('writer-3', 'delete', 'f1', 'alice', null);
    if (o.ownRename) b.ui('c1', 'rename', 'f1', 'c.wav');
    b.wait(1_000);
    if (o.caughtUp) b.see('c1', 'f1', r2.updatedAt);
    if (o.leaves) b.open('c1');
    // 2.5 × the 2 s budget max, and more.
    b.wait(6_000);
    if (o.fault) b.fault('cut', 'end', 'c1');
    b.dbRead([]);
    return b.h;
  };
  const v = staleWhileConnected(make());
  assert.equal(v.valid, false);
  assert.deepEqual(v.anomalies.map((a) => a.kind), ['stale']);
  passes(staleWhileConnected(make({ caughtUp: true })));
  passes(staleWhileConnected(make({ fault: true })));
  passes(staleWhileConnected(make({ leaves: true })));
  passes(staleWhileConnected(make({ ownRename: true })));
  passes(staleWhileConnected(make({ deleted: true })));
});

test('no-resurrection: a realtime DELETE counts as heard once its page had the budget\'s time to apply it', () => {
  /** c2 shows f1, the server deletes it, c2 hears it; `after` ms later, `then` shows it again somehow. */
  const heard = (after: number, then: (b: ReturnType<typeof builder>, r: RowVersion) => void) => {
    const b = builder();
    b.login('c2', 'alice');
    b.open('c2');
    const r = b.row('f1', 'alice', 'a.wav', b.now());
    b.see('c2', r.id, r.updatedAt, { event: 'added' });
    b.write('writer-1', 'delete', 'f1', 'alice', null);
    b.receiveDelete('c2', 'f1', 'alice');
    b.wait(after);
    then(b, r);
    return b.h;
  };
  const nextPage = (b: ReturnType<typeof builder>, r: RowVersion) => {
    b.ui('c2', 'navigate');
    b.open('c2');
    b.see('c2', r.id, r.updatedAt, { event: 'added' }); // the next page, from its cache
  };
  // The page unloaded 50 ms after the frame: it may have died before applying it.
  passes(noResurrection(heard(40, nextPage)));
  // It stayed open for a second and more: its cache should have dropped the row.
  fails(noResurrection(heard(1_500, nextPage)), 'resurrected');
  // A budget of the caller's: a page open 1.5 s had not yet had its 2 s.
  passes(noResurrection(heard(1_500, nextPage), { budget: { p95: 2_000, max: 4_000 } }));
  // The same page (a client-side route) shows it again: right after the frame, not yet applied; a
  // second and more after, resurrected.
  const samePage = (b: ReturnType<typeof builder>, r: RowVersion) => void b.see('c2', r.id, r.updatedAt, { testid: 'audio-detail', event: 'added' });
  passes(noResurrection(heard(40, samePage)));
  fails(noResurrection(heard(1_500, samePage)), 'resurrected');
});

test('conflict-rule: a refusal without its notice, a notice without a refusal, a refused write kept', () => {
  const { b } = valid();
  fails(conflictRule(b.h.filter((e) => !(e.f === 'observe' && e.value.testid === 'notification'))), 'missing-notice');
  const spurious = valid().b;
  spurious.see('c1', 'f2', '', { testid: 'notification', status: 'rejected', event: 'added' });
  fails(conflictRule(spurious.h), 'spurious-notice');
  const kept = valid();
  kept.b.clientRead('c2', 'alice', [{ ...kept.a2, name: 'y.wav' }]);
  fails(conflictRule(kept.b.h), 'kept-refused-write');
});

test('isolation: a row or realtime change of another user on a profile is flagged', () => {
  const { b, a2 } = valid();
  b.show('c3', a2); // bob's profile shows alice's file
  fails(isolation(b.h), 'foreign-row-shown');
  const r = valid();
  r.b.receive('c3', r.a2);
  fails(isolation(r.b.h), 'foreign-row-received');
  // A profile that signs in as alice may show alice's rows.
  const s = valid();
  s.b.login('c3', 'alice');
  s.b.open('c3');
  s.b.show('c3', s.a2);
  passes(isolation(s.b.h));
});

test("isolation: the old page's last reports after an account switch are not judged; the new page's are", () => {
  const { b, b2 } = valid();
  b.login('c3', 'alice');
  b.see('c3', b2.id, b2.updatedAt); // bob's page, still open while the browser navigates
  b.receive('c3', b2);
  passes(isolation(b.h));
  b.open('c3');
  b.show('c3', b2);
  fails(isolation(b.h), 'foreign-row-shown');
});

/** alice's c1 sees `n` changes, each `lateMs` after its commit (by default 3 s: over the plan's budget). */
function seenLate(n = MIN_P95_SAMPLES, lateMs = 3_000) {
  const b = builder();
  b.login('c1', 'alice');
  b.open('c1');
  for (let k = 0; k < n; k++) {
    const r = b.row(`f${k}`, 'alice', 'a.wav', b.now());
    b.wait(lateMs);
    b.show('c1', r);
  }
  return b;
}

test('latency-budget: steady-state samples over the budget fail it; none at all pass', () => {
  const b = seenLate();
  fails(latencyBudget(b.h), 'max-over-budget');
  fails(latencyBudget(b.h), 'p95-over-budget');
  passes(latencyBudget(b.h, { budget: { p95: 5_000, max: 5_000 } }));
  // 1.5 s each: over the p95 budget, within the max; a p95 only from MIN_P95_SAMPLES samples on.
  fails(latencyBudget(seenLate(MIN_P95_SAMPLES, 1_500).h), 'p95-over-budget');
  passes(latencyBudget(seenLate(MIN_P95_SAMPLES - 1, 1_500).h));
  assert.equal(withinBudget(summarize([1_500])).ok, true);
  assert.equal(withinBudget(summarize(Array(MIN_P95_SAMPLES).fill(1_500))).ok, false);
  // One sample over the max still fails.
  fails(latencyBudget(seenLate(1).h), 'max-over-budget');
  // Committed during a fault (or its grace period): not steady state.
  const f = builder();
  f.login('c1', 'alice');
  f.open('c1');
  f.h.push({ ...f.h[0]!, index: f.h.length, process: 'nemesis', type: 'info', f: 'fault', value: { kind: 'cut', phase: 'start', client: 'c1' } });
  const fr = f.row('f1', 'alice', 'a.wav', f.now());
  f.wait(3_000);
  f.show('c1', fr);
  passes(latencyBudget(f.h));
  assert.deepEqual(latencyBudget([]), { name: 'latency-budget', valid: true, anomalies: [] });
});

test('latency-budget: without a budget of its own it reads syncwright.config.ts at check time', () => {
  const b = seenLate();
  const saved = config.latencyBudget;
  try {
    config.latencyBudget = { p95: 5_000, max: 5_000 };
    passes(latencyBudget(b.h));
    config.latencyBudget = { p95: 2_900, max: 5_000 };
    fails(latencyBudget(b.h), 'p95-over-budget');
  } finally {
    config.latencyBudget = saved;
  }
});

test('checkSafe turns a throw into unknown; compose runs every checker safely', () => {
  const v = checkSafe('boom', () => { throw new Error('bad entry'); });
  assert.deepEqual(v, { name: 'boom', valid: 'unknown', anomalies: [{ kind: 'exception', detail: 'bad entry', entries: [] }] });
  const run = compose({ fine: () => ({ name: 'x', valid: true, anomalies: [] }), broken: () => { throw new TypeError('nope'); } });
  const out = run([]);
  assert.deepEqual(out.map((x) => [x.name, x.valid]), [['fine', true], ['broken', 'unknown']]);
  // A history of junk values never throws out of checkAll.
  const junk = [{ index: 0, time: 0, wall: 'x', process: 'c1', type: 'ok', f: 'final-read', value: { entities: 'nope' } }, { index: 1, time: 1, wall: 'x', process: 'db', type: 'ok', f: 'ledger', value: { entries: [null] } }] as HistoryEntry[];
  const judged = checkAll(junk);
  assert.equal(judged.length, CHECKER_NAMES.length);
  assert.deepEqual(judged.filter((x) => x.anomalies.some((an) => an.kind === 'exception')), []);
});

test('mergeValid: false beats unknown beats true, in either order', () => {
  const all: Valid[] = [true, 'unknown', false];
  const expect = (a: Valid, b: Valid) => (a === false || b === false ? false : a === 'unknown' || b === 'unknown' ? 'unknown' : true);
  for (const a of all) for (const b of all) assert.equal(mergeValid(a, b), expect(a, b), `${a} ${b}`);
  assert.equal(overall([]), true);
});

test('describeFailures names each failed checker at the start of a line', () => {
  const text = describeFailures(checkAll(withLedger(valid().b.h, (xs) => xs.filter((x) => x.mutationId !== 'm3'))));
  assert.match(text, /^no-lost-write: lost: c1: acknowledged rename m3/m);
  assert.ok(text.split('\n').every((l) => isCheckerName(l.split(':')[0]!)));
});

test('the Jepsen export has one EDN map per entry with :type and :f keywords', () => {
  const h = valid().b.h;
  const lines = toJepsenEdn(h).trim().split('\n');
  assert.equal(lines.length, h.length);
  assert.match(lines[0]!, /^\{:index 0 :time \d+ :process 0 :type :ok :f :login :value \{:user "alice" :email "alice@example.test"\}\}$/);
  assert.ok(lines.some((l) => / :type :invoke :f :rename /.test(l)));
  assert.ok(lines.some((l) => / :type :fail /.test(l)));
});

test('property: synthetic valid histories of any seed pass every checker, and checking is pure', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 20, max: 250 }), (seed, ops) => {
    const h = syntheticHistory(ops, seed);
    const first = checkAll(h);
    return first.every((v) => v.valid === true) && JSON.stringify(checkAll([...h])) === JSON.stringify(first);
  }), { seed: 42, numRuns: 25 });
});

test('property: dropping any acknowledged mutation from the ledger is caught as lost, naming it', () => {
  const h = syntheticHistory(150, 9);
  const acked = h.filter((e) => e.type === 'ok' && ['create', 'rename', 'delete'].includes(e.f)).map((e) => String(e.value.mutationId));
  fc.assert(fc.property(fc.constantFrom(...acked), (id) => {
    const v = noLostWrite(withLedger(h, (xs) => xs.filter((x) => x.mutationId !== id)));
    return v.valid === false && v.anomalies.some((a) => a.kind === 'lost' && a.detail.includes(` ${id} `));
  }), { seed: 7, numRuns: 60 });
});

test('property: swapping two applied mutations of one client in the ledger is caught as reordered', () => {
  const h = syntheticHistory(150, 11);
  const ledger = h.find((e) => e.f === 'ledger')!.value.entries as LedgerEntry[];
  const client = new Map(h.filter((e) => e.type === 'invoke').map((e) => [String(e.value.mutationId), e.process]));
  fc.assert(fc.property(fc.nat(ledger.length - 1), fc.nat(ledger.length - 1), (i, j) => {
    if (i === j || client.get(ledger[i]!.mutationId) !== client.get(ledger[j]!.mutationId)) return true;
    const swapped = withLedger(h, (xs) => xs.map((x, k) => (k === i ? xs[j]! : k === j ? xs[i]! : x)));
    return kinds(replayOrder(swapped)).includes('reordered');
  }), { seed: 3, numRuns: 300 });
});

test('property: removing the notice of any refused rename is caught', () => {
  const h = syntheticHistory(400, 5);
  const notices = h.filter((e) => e.f === 'observe' && e.value.testid === 'notification').map((e) => e.index);
  assert.ok(notices.length > 0);
  fc.assert(fc.property(fc.constantFrom(...notices), (n) => kinds(conflictRule(h.filter((e) => e.index !== n))).includes('missing-notice')), { seed: 5, numRuns: 20 });
});

test('every checker is in CHECKERS under the name its verdict carries', () => {
  const h = valid().b.h;
  for (const [name, check] of Object.entries(CHECKERS)) assert.equal(check(h).name, name);
});

test('an account switch parks the old account\'s queue: not lost, and not out of order with the next account\'s writes', () => {
  const b = builder();
  b.login('c4', 'alice');
  b.open('c4', '/audio/f1');
  b.ui('c4', 'rename', 'f1', 'parked.wav'); // queued, never sent: alice's queue waits for her
  b.login('c4', 'bob');
  b.open('c4', '/audio/f2');
  b.ui('c4', 'rename', 'f2', 'bobs.wav');
  b.send('c4', 'rename', 'm2', 'f2', { name: 'bobs.wav', baseUpdatedAt: b.now() });
  b.ok('c4', 'rename', 'm2', 'f2', b.row('f2', 'bob', 'bobs.wav', b.now()));
  b.login('c4', 'alice');
  b.open('c4', '/audio/f1');
  b.ui('c4', 'rename', 'f1', 'later.wav');
  b.send('c4', 'rename', 'm3', 'f1', { name: 'later.wav', baseUpdatedAt: b.now() });
  b.ok('c4', 'rename', 'm3', 'f1', b.row('f1', 'alice', 'later.wav', b.now()));
  b.login('c4', 'bob');
  b.ui('c4', 'rename', 'f2', 'bob-parked.wav'); // parked at the end: bob's queue
  b.login('c4', 'alice');
  const L = (mutationId: string, entityId: string, userId: string): LedgerEntry => ({ mutationId, kind: 'rename', entityId, statusCode: 200, userId });
  b.ledger([L('m2', 'f2', 'bob'), L('m3', 'f1', 'alice')]);
  passes(replayOrder(b.h));
  const lost = noLostWrite(b.h);
  assert.ok(!lost.anomalies.some((a) => a.detail.includes('parked.wav') && !a.detail.includes('bob-parked')), JSON.stringify(lost.anomalies));
  assert.ok(lost.anomalies.some((a) => a.kind === 'unsent' && a.detail.includes('bob-parked.wav')) === false);
});
