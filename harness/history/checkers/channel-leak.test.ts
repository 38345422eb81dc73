import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noChannelLeak } from './channel-leak.ts';
import { SOCKET_CLOSED } from '../channels.ts';
import type { HistoryEntry } from '../../schema/history.ts';

/** One client's history: documents, and frames on numbered sockets, `ms` apart. */
function client() {
  const h: HistoryEntry[] = [];
  let t = 0;
  let doc = '';
  const add = (f: HistoryEntry['f'], value: Record<string, unknown>) =>
    void h.push({ index: h.length, time: t, wall: new Date(t).toISOString(), process: 'c1', type: 'ok', f, value });
  const frame = (dir: 'send' | 'receive', socket: number, event: string, ref: string | null, status?: string) =>
    add(dir, { topic: event === SOCKET_CLOSED ? '' : 'realtime:user:u1', event, payload: status ? { status } : {}, ref, joinRef: ref, doc, socket });
  const b = {
    h,
    wait: (ms: number) => void (t += ms),
    open: (id: string) => { doc = id; add('observe', { testid: 'document', event: 'added', doc: id, path: '/', id: '', updatedAt: '', status: '', name: '' }); },
    join: (socket: number, ref: string, status = 'ok') => { frame('send', socket, 'phx_join', ref); frame('receive', socket, 'phx_reply', ref, status); },
    leave: (socket: number, ref: string) => frame('send', socket, 'phx_leave', ref),
    close: (socket: number) => frame('receive', socket, SOCKET_CLOSED, null),
    /** One database change on a socket, as browser-history.ts records it. */
    change: (socket: number, id: string, commitTimestamp: string) => add('receive', {
      topic: 'realtime:user:u1', event: 'postgres_changes', payload: {}, ref: null, joinRef: null, doc, socket,
      table: 'audio_files', type: 'UPDATE', id, commitTimestamp,
    }),
  };
  return b;
}

const kinds = (h: HistoryEntry[]) => noChannelLeak(h).anomalies.map((a) => a.kind);

test('no-channel-leak: two live channels of one topic in a document past the grace are a leak', () => {
  // StrictMode's set-up, clean-up, set-up with a clean-up that never unsubscribed: two sockets, both joined.
  const b = client();
  b.open('d1');
  b.join(1, '1');
  b.join(2, '1');
  b.wait(3_000);
  b.open('d2');
  assert.deepEqual(kinds(b.h), ['leaked']);
  assert.match(noChannelLeak(b.h).anomalies[0]!.detail, /c1 held two live channels of realtime:user:u1 at once for 3 s/);
});

test('no-channel-leak: a handover, a reconnect, a refused join and a new document are no leak', () => {
  const b = client();
  b.open('d1');
  b.join(1, '1');
  // The clean-up unsubscribed, then the set-up joined again.
  b.leave(1, '1');
  b.join(2, '1');
  // The socket dropped and supabase-js reconnected.
  b.wait(10_000);
  b.close(2);
  b.join(3, '1');
  // A refused join is never live.
  b.join(3, '2', 'error');
  // A rejoin overlapping for a moment.
  b.join(3, '3');
  b.wait(500);
  b.leave(3, '1');
  b.wait(10_000);
  // The next document: the last one's channels went with it.
  b.open('d2');
  b.join(4, '1');
  b.wait(10_000);
  assert.deepEqual(kinds(b.h), []);
});

test('no-channel-leak: a leak open when its document or the history ends is judged up to that end', () => {
  const b = client();
  b.open('d1');
  b.join(1, '1');
  b.join(1, '2');
  b.wait(1_500);
  b.close(1);
  assert.deepEqual(kinds(b.h), [], 'closed within the grace');
  b.join(2, '1');
  b.join(3, '1');
  b.wait(3_000);
  b.leave(9, '9'); // the history's last entry: nothing of these channels
  assert.deepEqual(kinds(b.h), ['leaked'], 'open at the end of the history');
  b.open('d2');
  b.join(4, '1');
  b.join(5, '1');
  b.wait(1_500);
  b.open('d3');
  b.wait(10_000);
  b.leave(9, '9');
  assert.deepEqual(kinds(b.h), ['leaked'], 'd2 ended within the grace');
});

test('no-channel-leak: one change on two open sockets of a document is two subscriptions, however short', () => {
  const b = client();
  b.open('d1');
  b.join(1, '1');
  b.change(1, 'f1', 't1');
  b.join(2, '1');
  b.change(2, 'f1', 't1');
  b.change(1, 'f2', 't2');
  b.change(2, 'f2', 't2');
  b.leave(1, '1');
  assert.deepEqual(kinds(b.h), ['delivered-twice'], 'one anomaly a topic and document');
  // A server replaying after a restart delivers again on the socket that replaced the closed one: fine.
  const replay = client();
  replay.open('d1');
  replay.join(1, '1');
  replay.change(1, 'f1', 't1');
  replay.close(1);
  replay.join(2, '1');
  replay.change(2, 'f1', 't1');
  assert.deepEqual(kinds(replay.h), []);
});
