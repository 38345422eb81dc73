import type { WebSocket } from 'ws';
import { randomUUID } from 'node:crypto';
import { EVENTS, PHOENIX_TOPIC, TOPIC_PREFIX, VSN_2, type Vsn } from './constants.ts';
import { decode, encode, encodeBinaryBroadcast, encodeChange, FrameError, type Frame } from './serializer.ts';
import { Channel } from './channel.ts';
import type { Tenant } from './tenant.ts';

// Phoenix closes a socket that sent no heartbeat for this long.
const HEARTBEAT_TIMEOUT_MS = 60_000;

/** One WebSocket: routes frames to its channels, answers heartbeats. */
export class Connection {
  readonly id = randomUUID();
  private channels = new Map<string, Channel>();
  private idleTimer?: NodeJS.Timeout;
  /**
   * Frames of one socket are handled in order even when a handler awaits (a join checks its JWT, a
   * private channel its policies), as the real server's channel processes take their mailboxes in order.
   */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ws: WebSocket, private readonly tenant: Tenant, readonly vsn: Vsn, readonly apiKey: string) {
    ws.on('message', (data, isBinary) => {
      const size = Buffer.isBuffer(data) ? data.length : Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
      const raw = Buffer.isBuffer(data) ? data : Buffer.from(Array.isArray(data) ? Buffer.concat(data) : new Uint8Array(data));
      this.queue = this.queue.then(() => this.onMessage(raw, isBinary, size)).catch((err) => {
        tenant.log(`socket ${this.id}: ${(err as Error).stack ?? err}`);
      });
    });
    ws.on('close', () => this.onClose());
    ws.on('error', () => {});
    this.touch();
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.ws.close(1000, 'heartbeat timeout'), HEARTBEAT_TIMEOUT_MS);
    this.idleTimer.unref();
  }

  send(frame: Frame): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encode(frame, this.vsn));
  }

  /** A postgres_changes push whose data the engine serialised once for all its subscribers. */
  sendChange(topic: string, ids: number[], dataJson: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeChange(topic, ids, dataJson, this.vsn));
  }

  /** `meta` (a database message's `{id}`) rides along as the real server's UserBroadcast metadata. */
  sendBroadcast(topic: string, event: string, payload: unknown, meta?: Record<string, unknown>): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.vsn === VSN_2) this.ws.send(encodeBinaryBroadcast(topic, event, payload, meta));
    else this.send({ joinRef: null, ref: null, topic, event: EVENTS.broadcast, payload: { type: EVENTS.broadcast, event, payload, ...(meta ? { meta } : {}) } });
  }

  channelCount(): number {
    return this.channels.size;
  }

  forget(channel: Channel): void {
    if (this.channels.get(channel.topic) === channel) this.channels.delete(channel.topic);
    if (this.channels.size === 0) this.tenant.users.delete(this);
  }

  disconnect(): void {
    this.ws.close(1000, 'disconnect');
  }

  private async onMessage(raw: Buffer, isBinary: boolean, size: number): Promise<void> {
    this.touch();
    let frame: Frame;
    try {
      frame = decode(isBinary ? raw : raw.toString('utf8'), isBinary, this.vsn);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      // Phoenix's socket process crashes on an undecodable frame: the connection ends, nothing else does.
      this.ws.close(1007, err.message.slice(0, 120));
      return;
    }
    await this.route(frame);
  }

  private async route(frame: Frame): Promise<void> {
    const { topic, event, ref, joinRef, payload } = frame;
    if (topic === PHOENIX_TOPIC) {
      if (event === EVENTS.heartbeat) this.send({ joinRef: null, ref, topic, event: EVENTS.reply, payload: { status: 'ok', response: {} } });
      return;
    }
    if (event === EVENTS.join) {
      if (!topic.startsWith(TOPIC_PREFIX)) {
        this.send({ joinRef, ref, topic, event: EVENTS.reply, payload: { status: 'error', response: { reason: 'unmatched topic' } } });
        return;
      }
      // A rejoin of a topic replaces the old channel, as Phoenix does.
      this.channels.get(topic)?.close(true);
      const channel = new Channel(this, this.tenant, topic, joinRef);
      this.channels.set(topic, channel);
      await channel.join(ref, payload);
      return;
    }
    const channel = this.channels.get(topic);
    if (!channel || (joinRef !== null && joinRef !== channel.joinRef)) {
      this.send({ joinRef, ref, topic, event: EVENTS.reply, payload: { status: 'error', response: { reason: 'unmatched topic' } } });
      return;
    }
    switch (event) {
      case EVENTS.leave: return channel.leave(ref);
      case EVENTS.accessToken: return channel.accessToken(payload);
      case EVENTS.broadcast: return channel.broadcast(ref, payload);
      case EVENTS.presence: return channel.presence(ref, payload);
      default:
        // The real server counts and ignores an unexpected event (no reply).
        this.tenant.limiter.counted();
        return;
    }
  }

  private onClose(): void {
    clearTimeout(this.idleTimer);
    for (const channel of [...this.channels.values()]) channel.close(false);
    this.tenant.users.delete(this);
  }
}
