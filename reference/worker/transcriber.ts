import { createHash } from 'node:crypto';

export interface TranscribeInput { id: string; name: string; bytes: Buffer | undefined }
export interface Transcription { text: string; durationMs: number }

/** What a real engine (Whisper, a cloud API) would implement. */
export interface Transcriber {
  transcribe(file: TranscribeInput): Promise<Transcription>;
}

const WORDS = ['sync', 'audio', 'meeting', 'notes', 'realtime', 'offline', 'queue', 'replay', 'conflict', 'server',
  'client', 'update', 'status', 'upload', 'quota', 'worker', 'transcript', 'latency', 'budget', 'history'];

/**
 * Deterministic stand-in: the same file always yields the same text and the same verdict, so a
 * failing seed replays identically. It fails a file when its hash falls under `failRate`.
 */
export class SyntheticTranscriber implements Transcriber {
  constructor(private readonly opts: { durationMs: number; failRate: number; seed?: string }) {}

  async transcribe(file: TranscribeInput): Promise<Transcription> {
    const hash = createHash('sha256').update(this.opts.seed ?? '').update(file.name).update(file.bytes ?? Buffer.alloc(0)).digest();
    await new Promise((r) => setTimeout(r, this.opts.durationMs));
    if (hash.readUInt32BE(0) / 0xffffffff < this.opts.failRate) {
      throw new Error(`synthetic transcriber: audio unreadable (${file.name})`);
    }
    const words = Array.from({ length: 8 + (hash[4]! % 8) }, (_, i) => WORDS[hash[(i + 5) % hash.length]! % WORDS.length]);
    const text = `${words.join(' ')}.`;
    return { text: text[0]!.toUpperCase() + text.slice(1), durationMs: this.opts.durationMs };
  }
}
