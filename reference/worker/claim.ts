import type pg from 'pg';

export interface Claimed { runId: string; fileId: string; name: string; storagePath: string | null; attempt: number }

/**
 * Claims one unit of work in one transaction, safe with many workers (SKIP LOCKED):
 * an uploaded file (→ processing, with a new run queued → processing), or a queued run (retry),
 * or a processing run whose lease expired (a crashed worker's; attempt + 1).
 */
export async function claim(db: pg.PoolClient, owner: string, leaseMs: number): Promise<Claimed | undefined> {
  await db.query('begin');
  try {
    const file = await db.query<{ id: string; user_id: string; name: string; storage_path: string | null }>(
      `select id, user_id, name, storage_path from audio_files where status = 'uploaded'
        order by updated_at limit 1 for update skip locked`,
    );
    const f = file.rows[0];
    if (f) {
      await db.query(`update audio_files set status = 'processing', error = null where id = $1`, [f.id]);
      const run = await db.query<{ id: string }>(
        `insert into transcript_runs (audio_file_id, user_id, status) values ($1, $2, 'queued') returning id`, [f.id, f.user_id],
      );
      const runId = run.rows[0]!.id;
      await db.query(
        `update transcript_runs set status = 'processing', lease_owner = $2, lease_expires_at = now() + ($3 || ' milliseconds')::interval where id = $1`,
        [runId, owner, leaseMs],
      );
      await db.query('commit');
      return { runId, fileId: f.id, name: f.name, storagePath: f.storage_path, attempt: 1 };
    }
    const run = await db.query<{ id: string; audio_file_id: string; status: string; attempt: number }>(
      `select id, audio_file_id, status, attempt from transcript_runs
        where status = 'queued' or (status = 'processing' and lease_expires_at < now())
        order by updated_at limit 1 for update skip locked`,
    );
    const r = run.rows[0];
    if (!r) {
      await db.query('commit');
      return undefined;
    }
    const attempt = r.status === 'processing' ? r.attempt + 1 : r.attempt;
    await db.query(
      `update transcript_runs set status = 'processing', attempt = $4, lease_owner = $2,
              lease_expires_at = now() + ($3 || ' milliseconds')::interval where id = $1`,
      [r.id, owner, leaseMs, attempt],
    );
    const fileRow = await db.query<{ name: string; storage_path: string | null; status: string }>(
      `select name, storage_path, status from audio_files where id = $1 for update`, [r.audio_file_id],
    );
    if (fileRow.rows[0]?.status === 'failed') {
      await db.query(`update audio_files set status = 'processing', error = null where id = $1`, [r.audio_file_id]);
    }
    await db.query('commit');
    return { runId: r.id, fileId: r.audio_file_id, name: fileRow.rows[0]?.name ?? '', storagePath: fileRow.rows[0]?.storage_path ?? null, attempt };
  } catch (err) {
    await db.query('rollback').catch(() => {});
    throw err;
  }
}

/** Ends a run and its file together, only if this worker still holds the lease. */
export async function finish(
  db: pg.PoolClient, c: Claimed, owner: string,
  outcome: { ok: true; text: string; durationMs: number } | { ok: false; error: string },
  opts: { skipRunRow?: boolean } = {},
): Promise<boolean> {
  await db.query('begin');
  try {
    const held = await db.query(`select 1 from transcript_runs where id = $1 and lease_owner = $2 and status = 'processing' for update`, [c.runId, owner]);
    if (!held.rowCount) {
      await db.query('rollback');
      return false;
    }
    if (!opts.skipRunRow) {
      await db.query(
        `update transcript_runs set status = $2, transcript = $3, error = $4, lease_owner = null, lease_expires_at = null where id = $1`,
        [c.runId, outcome.ok ? 'succeeded' : 'failed', outcome.ok ? outcome.text : null, outcome.ok ? null : outcome.error],
      );
    }
    await db.query(
      `update audio_files set status = $2, error = $3, duration_ms = coalesce(duration_ms, $4) where id = $1 and status = 'processing'`,
      [c.fileId, outcome.ok ? 'succeeded' : 'failed', outcome.ok ? null : outcome.error, outcome.ok ? outcome.durationMs : null],
    );
    await db.query('commit');
    return true;
  } catch (err) {
    await db.query('rollback').catch(() => {});
    throw err;
  }
}

export async function renewLease(db: pg.Pool, c: Claimed, owner: string, leaseMs: number): Promise<boolean> {
  const res = await db.query(
    `update transcript_runs set lease_expires_at = now() + ($3 || ' milliseconds')::interval
      where id = $1 and lease_owner = $2 and status = 'processing'`,
    [c.runId, owner, leaseMs],
  );
  return (res.rowCount ?? 0) > 0;
}
