// The per-channel presence window (presence_handler.ex limit_client_presence_event) and the
// profile's split, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPresenceWindow, Limiter, TOO_MANY_MESSAGES } from './limiter.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { REAL_TIMING } from './timing.ts';

test('a channel may send 5 presence messages in the window its first one opens; the window then starts afresh', () => {
  const w = new ClientPresenceWindow(5, 30_000);
  for (const t of [0, 1, 2, 3, 4]) assert.equal(w.allow(t), true, `message at ${t} ms`);
  assert.equal(w.allow(29_999), false, 'a sixth inside the window');
  assert.equal(w.allow(30_000), false, 'the window includes its end');
  assert.equal(w.allow(30_001), true, 'a new window');
  for (let i = 0; i < 4; i++) assert.equal(w.allow(30_002 + i), true);
  assert.equal(w.allow(30_010), false);
});

test('faithful stops a receiver, never the pusher; ideal stops the pusher over its window', () => {
  const stopped: string[] = [];
  const ch = (name: string) => ({ closed: false, shutdown(m: string) { stopped.push(`${name}: ${m}`); this.closed = true; } });
  const limits = { ...DEFAULT_LIMITS, maxEventsPerSecond: 2 };
  const faithful = new Limiter(limits, 'faithful', REAL_TIMING);
  const sender = ch('sender');
  const receiver = ch('receiver');
  for (let i = 0; i < 10; i++) faithful.pushed(sender);
  faithful.received(receiver);
  assert.deepEqual(stopped, [], 'nothing is looked at before a tick');
  faithful.trip(['events'], 1000);
  faithful.received(receiver);
  assert.deepEqual(stopped, [`receiver: ${TOO_MANY_MESSAGES}`]);
  assert.equal(faithful.events.counted, 12);
  assert.equal(faithful.metrics().shut[TOO_MANY_MESSAGES], 1);
  assert.equal(faithful.changes?.open(), true, 'the database counter is tripped apart');
  faithful.close();

  stopped.length = 0;
  const ideal = new Limiter(limits, 'ideal', REAL_TIMING);
  const pusher = ch('pusher');
  ideal.received(receiver);
  for (let i = 0; i < 3; i++) ideal.pushed(pusher);
  assert.deepEqual(stopped, [`pusher: ${TOO_MANY_MESSAGES}`], 'the third push in a second is over 2');
  assert.equal(ideal.changes, undefined, 'ideal drops no change');
  ideal.close();
});
