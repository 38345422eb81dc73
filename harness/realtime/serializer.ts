import { BINARY_KIND, ENCODING, EVENTS, VSN_2, type Vsn } from './constants.ts';

export interface Frame {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

export class FrameError extends Error {}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** Decodes one client frame: vsn 1.0.0 objects, vsn 2.0.0 arrays, and vsn 2.0.0 binary broadcast pushes. */
export function decode(data: Buffer | string, isBinary: boolean, vsn: Vsn): Frame {
  if (isBinary) {
    if (vsn !== VSN_2) throw new FrameError('binary frames need vsn 2.0.0');
    return decodeBinaryPush(Buffer.isBuffer(data) ? data : Buffer.from(data));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(data));
  } catch {
    throw new FrameError('frame is not valid JSON');
  }
  if (vsn === VSN_2) {
    if (!Array.isArray(parsed) || parsed.length < 5) throw new FrameError('expected [join_ref, ref, topic, event, payload]');
    const [joinRef, ref, topic, event, payload] = parsed;
    if (typeof topic !== 'string' || typeof event !== 'string') throw new FrameError('topic and event must be strings');
    return { joinRef: str(joinRef), ref: str(ref), topic, event, payload };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FrameError('expected {topic, event, payload, ref}');
  const o = parsed as Record<string, unknown>;
  if (typeof o.topic !== 'string' || typeof o.event !== 'string') throw new FrameError('topic and event must be strings');
  return { joinRef: str(o.join_ref), ref: str(o.ref), topic: o.topic, event: o.event, payload: o.payload };
}

function decodeBinaryPush(buf: Buffer): Frame {
  if (buf.length < 7 || buf[0] !== BINARY_KIND.userBroadcastPush) throw new FrameError('unknown binary frame kind');
  const [joinRefLen, refLen, topicLen, eventLen, metaLen, encoding] = [buf[1]!, buf[2]!, buf[3]!, buf[4]!, buf[5]!, buf[6]!];
  let off = 7;
  const take = (n: number) => {
    if (off + n > buf.length) throw new FrameError('binary frame shorter than its header says');
    const s = buf.subarray(off, off + n).toString('utf8');
    off += n;
    return s;
  };
  const joinRef = take(joinRefLen);
  const ref = take(refLen);
  const topic = take(topicLen);
  const userEvent = take(eventLen);
  let meta: Record<string, unknown> = {};
  if (metaLen) {
    try {
      meta = JSON.parse(take(metaLen)) as Record<string, unknown>;
    } catch {
      throw new FrameError('binary broadcast metadata is not valid JSON');
    }
  }
  const body = buf.subarray(off);
  let userPayload: unknown;
  if (encoding === ENCODING.json) {
    try {
      userPayload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new FrameError('binary broadcast body is not valid JSON');
    }
  } else {
    userPayload = Buffer.from(body);
  }
  return {
    joinRef: joinRef || null,
    ref: ref || null,
    topic,
    event: EVENTS.broadcast,
    // Metadata first, so it can never overwrite the event or the payload.
    payload: { ...meta, type: EVENTS.broadcast, event: userEvent, payload: userPayload },
  };
}

/** Encodes one server frame as text in the socket's vsn. */
export function encode(frame: Frame, vsn: Vsn): string {
  if (vsn === VSN_2) return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload]);
  return JSON.stringify({ topic: frame.topic, event: frame.event, payload: frame.payload, ref: frame.ref, join_ref: frame.joinRef });
}

/**
 * A postgres_changes push, byte for byte what `encode` makes of
 * `{ topic, event: 'postgres_changes', payload: { ids, data }, ref: null, join_ref: null }`, with
 * `data` already serialised: one JSON.stringify per change instead of one per subscriber.
 */
export function encodeChange(topic: string, ids: number[], dataJson: string, vsn: Vsn): string {
  const payload = `{"ids":${JSON.stringify(ids)},"data":${dataJson}}`;
  if (vsn === VSN_2) return `[null,null,${JSON.stringify(topic)},"${EVENTS.postgresChanges}",${payload}]`;
  return `{"topic":${JSON.stringify(topic)},"event":"${EVENTS.postgresChanges}","payload":${payload},"ref":null,"join_ref":null}`;
}

/** vsn 2.0.0 server broadcast (kind 4): what realtime-js decodes into {type:'broadcast', event, payload, meta?}. */
export function encodeBinaryBroadcast(topic: string, userEvent: string, payload: unknown, meta?: Record<string, unknown>): Buffer {
  const t = Buffer.from(topic, 'utf8');
  const e = Buffer.from(userEvent, 'utf8');
  const m = Buffer.from(meta && Object.keys(meta).length ? JSON.stringify(meta) : '', 'utf8');
  if (t.length > 255 || e.length > 255 || m.length > 255) throw new FrameError('topic, event or meta longer than 255 bytes');
  const isBinary = Buffer.isBuffer(payload);
  const body = isBinary ? payload : Buffer.from(JSON.stringify(payload ?? {}), 'utf8');
  const header = Buffer.from([BINARY_KIND.userBroadcast, t.length, e.length, m.length, isBinary ? ENCODING.binary : ENCODING.json]);
  return Buffer.concat([header, t, e, m, body]);
}
