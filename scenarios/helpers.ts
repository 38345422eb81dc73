import type pg from 'pg';
import type { AppClient } from '../fixtures/app-client.ts';
import type { TestUser } from '../fixtures/index.ts';

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

export async function serverRename(db: pg.Client, id: string, name: string): Promise<string> {
  const { rows } = await db.query(`update audio_files set name = $2 where id = $1 returning to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t`, [id, name]);
  return rows[0].t as string;
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
