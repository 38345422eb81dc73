export type AudioStatus = 'uploading' | 'uploaded' | 'processing' | 'succeeded' | 'failed';
export type RunStatus = 'queued' | 'processing' | 'succeeded' | 'failed';

export interface AudioFile {
  id: string; userId: string; name: string; status: AudioStatus; sizeBytes: number | null; durationMs: number | null;
  error: string | null; createdAt: string; updatedAt: string;
  /** Local only: an optimistic change not yet acknowledged. */
  pending?: boolean;
}
export interface TranscriptRun {
  id: string; audioFileId: string; userId: string; status: RunStatus; transcript: string | null; error: string | null;
  attempt: number; createdAt: string; updatedAt: string;
}
export interface Usage { userId: string; uploadsCount: number; totalDurationMs: number; quotaUploads: number; quotaDurationMs: number; updatedAt: string }

/**
 * The account a page acts for, sent with each of its API requests. The session cookie is the
 * browser's, shared by every tab: after the profile signs in as someone else, a request the old
 * page still sends (in flight, or replayed from its queue) would otherwise run as the new account.
 */
export const ACCOUNT_HEADER = 'x-sync-account';

/** The cookie `/dev/login` sets; the k6 scripts send it as their users' session. */
export const SESSION_COOKIE = 'sw_session';

export type ConnectionState = 'connected' | 'connecting' | 'offline';
export type NoticeKind = 'conflict' | 'rejected' | 'error';
export interface Notice { id: string; kind: NoticeKind; entityId: string; message: string; at: number }

export interface SyncResponse {
  serverTime: string;
  audioFiles: AudioFile[];
  transcriptRuns: TranscriptRun[];
  usage: Usage | null;
  deleted: { audioFiles: string[]; transcriptRuns: string[] };
}

/** realtime rows are snake_case database rows. */
export function fromRow(table: string, r: Record<string, unknown>): AudioFile | TranscriptRun | Usage {
  const s = (k: string) => (r[k] === undefined || r[k] === null ? null : String(r[k]));
  const n = (k: string) => (r[k] === undefined || r[k] === null ? null : Number(r[k]));
  if (table === 'audio_files') {
    return { id: String(r.id), userId: String(r.user_id), name: String(r.name), status: r.status as AudioStatus, sizeBytes: n('size_bytes'),
      durationMs: n('duration_ms'), error: s('error'), createdAt: String(r.created_at ?? ''), updatedAt: String(r.updated_at ?? '') };
  }
  if (table === 'transcript_runs') {
    return { id: String(r.id), audioFileId: String(r.audio_file_id), userId: String(r.user_id), status: r.status as RunStatus,
      transcript: s('transcript'), error: s('error'), attempt: Number(r.attempt ?? 1), createdAt: String(r.created_at ?? ''), updatedAt: String(r.updated_at ?? '') };
  }
  return { userId: String(r.user_id), uploadsCount: Number(r.uploads_count), totalDurationMs: Number(r.total_duration_ms),
    quotaUploads: Number(r.quota_uploads), quotaDurationMs: Number(r.quota_duration_ms), updatedAt: String(r.updated_at ?? '') };
}
