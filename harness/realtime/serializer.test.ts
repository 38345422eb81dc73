import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ClientSerializerModule from '@supabase/realtime-js/dist/main/lib/serializer.js';
import { decode, encode, encodeBinaryBroadcast, encodeChange, FrameError } from './serializer.ts';

// realtime-js's own wire codec: frames are checked against what the unmodified client writes and reads.
type ClientMessage = { join_ref: string | null; ref: string | null; topic: string; event: string; payload: any };
const ClientSerializer = (ClientSerializerModule as unknown as { default: new () => {
  encode(msg: ClientMessage, cb: (out: string | ArrayBuffer) => unknown): unknown;
  decode(raw: string | ArrayBuffer, cb: (msg: ClientMessage) => unknown): unknown;
} }).default;
const client = new ClientSerializer();

function clientEncode(msg: ClientMessage): string | ArrayBuffer {
  let out: string | ArrayBuffer = '';
  client.encode(msg, (o) => { out = o; });
  return out;
}
function clientDecode(raw: string | ArrayBuffer): ClientMessage {
  let out: ClientMessage | undefined;
  client.decode(raw, (m) => { out = m; });
  return out!;
}
const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
const jsonCopy = <T>(v: T): T => JSON.parse(JSON.stringify(v));

test('vsn 2.0.0 text frames are [join_ref, ref, topic, event, payload] both ways', () => {
  const sent = clientEncode({ join_ref: '1', ref: '2', topic: 'realtime:room', event: 'phx_join', payload: { config: { private: false } } });
  assert.equal(typeof sent, 'string');
  assert.deepEqual(decode(sent as string, false, '2.0.0'), { joinRef: '1', ref: '2', topic: 'realtime:room', event: 'phx_join', payload: { config: { private: false } } });
  const reply = encode({ joinRef: '1', ref: '2', topic: 'realtime:room', event: 'phx_reply', payload: { status: 'ok', response: {} } }, '2.0.0');
  assert.deepEqual(clientDecode(reply), { join_ref: '1', ref: '2', topic: 'realtime:room', event: 'phx_reply', payload: { status: 'ok', response: {} } });
  assert.deepEqual(JSON.parse(encode({ joinRef: null, ref: null, topic: 't', event: 'system', payload: {} }, '2.0.0')), [null, null, 't', 'system', {}]);
});

test('vsn 1.0.0 text frames are {topic, event, payload, ref, join_ref} objects', () => {
  const frame = decode(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '5' }), false, '1.0.0');
  assert.deepEqual(frame, { joinRef: null, ref: '5', topic: 'phoenix', event: 'heartbeat', payload: {} });
  const out = JSON.parse(encode({ joinRef: null, ref: '5', topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } }, '1.0.0'));
  assert.deepEqual(out, { topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '5', join_ref: null });
});

test('malformed text frames raise FrameError naming what is wrong', () => {
  const cases: [string, '1.0.0' | '2.0.0', RegExp][] = [
    ['{not json', '2.0.0', /not valid JSON/],
    ['{"topic":"t","event":"e","payload":{}}', '2.0.0', /expected \[join_ref/],
    ['[null,"1","t","e"]', '2.0.0', /expected \[join_ref/],
    ['[null,"1",7,"e",{}]', '2.0.0', /must be strings/],
    ['[null,"1","t","e",{}]', '1.0.0', /expected \{topic/],
    ['{"topic":"t","payload":{}}', '1.0.0', /must be strings/],
    ['null', '1.0.0', /expected \{topic/],
  ];
  for (const [raw, vsn, message] of cases) {
    assert.throws(() => decode(raw, false, vsn), (err: unknown) => err instanceof FrameError && message.test(err.message), raw);
  }
});

test('the client\'s binary broadcast push (kind 3) decodes to a broadcast frame, multi-byte text intact', () => {
  const raw = clientEncode({ join_ref: '3', ref: '14', topic: 'realtime:salle-é', event: 'broadcast', payload: { type: 'broadcast', event: 'cursor 🐭', payload: { x: 1, label: 'héllo' } } });
  assert.ok(raw instanceof ArrayBuffer);
  assert.equal(new Uint8Array(raw)[0], 3);
  assert.deepEqual(decode(Buffer.from(raw), true, '2.0.0'), {
    joinRef: '3', ref: '14', topic: 'realtime:salle-é', event: 'broadcast',
    payload: { type: 'broadcast', event: 'cursor 🐭', payload: { x: 1, label: 'héllo' } },
  });
});

test('a binary user payload (encoding 0) stays bytes in both directions', () => {
  const bytes = new Uint8Array([0, 255, 1, 2]);
  const raw = clientEncode({ join_ref: '1', ref: '2', topic: 'realtime:bin', event: 'broadcast', payload: { type: 'broadcast', event: 'blob', payload: bytes.buffer } });
  const frame = decode(Buffer.from(raw as ArrayBuffer), true, '2.0.0');
  const inner = (frame.payload as { payload: Buffer }).payload;
  assert.ok(Buffer.isBuffer(inner));
  assert.deepEqual([...inner], [0, 255, 1, 2]);
  const back = clientDecode(toArrayBuffer(encodeBinaryBroadcast('realtime:bin', 'blob', inner)));
  assert.deepEqual([...new Uint8Array(back.payload.payload as ArrayBuffer)], [0, 255, 1, 2]);
});

test('server broadcast (kind 4) decodes in the client as {type, event, payload, meta?} with null refs', () => {
  const plain = clientDecode(toArrayBuffer(encodeBinaryBroadcast('realtime:room', 'ping', { n: 1 })));
  assert.deepEqual(plain, { join_ref: null, ref: null, topic: 'realtime:room', event: 'broadcast', payload: { type: 'broadcast', event: 'ping', payload: { n: 1 } } });
  const withMeta = clientDecode(toArrayBuffer(encodeBinaryBroadcast('realtime:room', 'ping', { n: 2 }, { id: 'm1' })));
  assert.deepEqual(withMeta.payload.meta, { id: 'm1' });
});

test('malformed binary frames raise FrameError; binary is refused on vsn 1.0.0', () => {
  const good = Buffer.from(clientEncode({ join_ref: '1', ref: '2', topic: 'realtime:r', event: 'broadcast', payload: { type: 'broadcast', event: 'e', payload: { a: 1 } } }) as ArrayBuffer);
  const wrongKind = Buffer.from(good); wrongKind[0] = 4;
  const lying = Buffer.from(good); lying[3] = 200; // topic length past the end
  const badBody = Buffer.concat([good.subarray(0, good.length - 7), Buffer.from('{"a":')]);
  for (const [name, buf, vsn] of [['kind 4 from a client', wrongKind, '2.0.0'], ['short header', good.subarray(0, 5), '2.0.0'],
    ['lengths past the end', lying, '2.0.0'], ['body not JSON', badBody, '2.0.0'], ['vsn 1.0.0', good, '1.0.0']] as const) {
    assert.throws(() => decode(buf, true, vsn), FrameError, name);
  }
  assert.throws(() => encodeBinaryBroadcast(`realtime:${'x'.repeat(250)}`, 'e', {}), FrameError);
});

test('any topic, event and JSON payload survives client → server and server → client (property)', () => {
  const short = fc.string({ unit: 'grapheme', maxLength: 40 });
  fc.assert(fc.property(short, short.filter((s) => s.length > 0), fc.jsonValue(), (sub, event, payload) => {
    const topic = `realtime:${sub}`;
    const up = decode(Buffer.from(clientEncode({ join_ref: '1', ref: '9', topic, event: 'broadcast', payload: { type: 'broadcast', event, payload } }) as ArrayBuffer), true, '2.0.0');
    assert.deepEqual(up, { joinRef: '1', ref: '9', topic, event: 'broadcast', payload: { type: 'broadcast', event, payload: jsonCopy(payload) ?? {} } });
    const down = clientDecode(toArrayBuffer(encodeBinaryBroadcast(topic, event, jsonCopy(payload))));
    assert.deepEqual(down, { join_ref: null, ref: null, topic, event: 'broadcast', payload: { type: 'broadcast', event, payload: jsonCopy(payload) ?? {} } });
  }), { numRuns: 200 });
});

test('encodeChange is byte for byte what encode makes of the same postgres_changes push', () => {
  fc.assert(fc.property(fc.string(), fc.array(fc.nat()), fc.jsonValue(), fc.constantFrom('1.0.0', '2.0.0'), (topic, ids, data, vsn) => {
    const frame = { joinRef: null, ref: null, topic, event: 'postgres_changes', payload: { ids, data } };
    const json = JSON.stringify(data);
    if (json === undefined) return;
    assert.equal(encodeChange(topic, ids, json, vsn as '1.0.0' | '2.0.0'), encode(frame, vsn as '1.0.0' | '2.0.0'));
  }));
});
