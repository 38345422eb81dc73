import type pg from 'pg';
import type { AppClient } from '../fixtures/app-client.ts';
import type { TestUser } from '../fixtures/index.ts';
import type { History } from '../harness/history/recorder.ts';
import { ROW_COLUMNS } from '../fixtures/db.ts';
import { rowVersion } from '../fixtures/browser-history.ts';

/** A file the user already has, made on the server (as another device would). */
export async function seedFile(db: pg.Client, user: TestUser, name: string, status: 'uploaded' | 'processing' | 'succeeded' = 'succeeded'): Promise<string> {
  const { rows } = await db.query(`insert into audio_files (user_id, name) values ($1, $2) returning id`, [user.id, name]);
  const id = rows[0].id as string;
  const path = { uploaded: ['uploaded'], processing: ['uploaded', 'processing'], succeeded: ['uploaded', 'processing', 'succeeded'] }[status];
  // The worker would pick up an 'uploaded' file: these walk the legal transitions in one transaction.
  await db.query('begin');
  for (const s of path) await db.query(`update audio_files set status = $2 where id = $1`, [id, s]);
  await db.query('commit');
  return id;
}

/**
 * Renames a file on the server, as another device would, and records it in the history as a
 * writer's write: the version it made is then known to the checkers from its commit on.
 */
export async function serverRename(db: pg.Client, id: string, name: string, history: History): Promise<string> {
  history.add('writer', 'invoke', 'write', { op: 'rename', entityId: id, name });
  const { rows } = await db.query(`update audio_files set name = $2 where id = $1 returning ${ROW_COLUMNS}`, [id, name]);
  const row = rowVersion(rows[0])!;
  history.add('writer', 'ok', 'write', { op: 'rename', entityId: id, user: row.userId, row });
  return row.updatedAt;
}

export async function waitRow(c: AppClient, id: string): Promise<void> {
  await c.row(id).waitFor({ timeout: 15_000 });
}

/** Makes the app's API unreachable for this browser only (pages still load from cache-less reloads via route). */
export async function blockApi(c: AppClient): Promise<void> {
  await c.page.route('**/api/**', (route) => route.abort('connectionrefused'));
}

export async function unblockApi(c: AppClient): Promise<void> {
  await c.page.unroute('**/api/**');
}
