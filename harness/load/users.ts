import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { mintUserToken, type Signer } from '../stack/keys.ts';
import config from '../../syncwright.config.ts';

export interface LoadUser { id: string; token: string; files: string[] }

/**
 * Fresh users (RLS keeps them apart) with `filesPerUser` files each, so concurrent writers of one
 * user rename different rows, and an hour-long access token.
 */
export async function createLoadUsers(db: pg.Client, signer: string | Signer, count: number, label: string, filesPerUser = 1): Promise<LoadUser[]> {
  const users: LoadUser[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const email = `${label}-${i}-${id.slice(0, 6)}@example.test`;
    await db.query('insert into auth.users (id, email) values ($1, $2)', [id, email]);
    const f = await db.query<{ id: string }>(`insert into audio_files (user_id, name) select $1, 'load-' || n || '.wav' from generate_series(1, $2) n returning id`, [id, filesPerUser]);
    users.push({ id, token: await mintUserToken(signer, { id, email }, 3600), files: f.rows.map((r) => r.id) });
  }
  return users;
}

/** How many of S subscribers (assigned round-robin) watch each user. */
export function subscribersPerUser(subscribers: number, users: number): number[] {
  return Array.from({ length: users }, (_, u) => Math.floor(subscribers / users) + (u < subscribers % users ? 1 : 0));
}

export interface Loss { committed: number; expected: number; delivered: number; lost: number; lostUsers: number }

/**
 * Per user: every commit should reach each of that user's subscribers (S assigned round-robin).
 * A surplus for one user never hides a shortfall for another.
 */
export function perUserLoss(users: { id: string }[], subscribers: number, commits: Map<string, number>, got: Map<string, number>): Loss {
  const subs = subscribersPerUser(subscribers, users.length);
  const out: Loss = { committed: 0, expected: 0, delivered: 0, lost: 0, lostUsers: 0 };
  users.forEach((u, i) => {
    const want = (commits.get(u.id) ?? 0) * subs[i]!;
    const missing = Math.max(0, want - (got.get(u.id) ?? 0));
    out.committed += commits.get(u.id) ?? 0;
    out.expected += want;
    out.lost += missing;
    if (missing > 0) out.lostUsers++;
  });
  out.delivered = [...got.values()].reduce((a, b) => a + b, 0);
  return out;
}

/**
 * The loss gate: something was committed (else nothing was tested), and at most `maxLossRatio`
 * (syncwright.config.ts `load`, read at each call) of the expected deliveries went missing.
 */
export function lossWithin(l: Loss, maxLossRatio = config.load.maxLossRatio): boolean {
  return l.committed > 0 && l.lost <= l.expected * maxLossRatio;
}

/** A [realtime] section with the given limits, for a stack booted only for load. */
export function realtimeConfig(limits: Record<string, number>): string {
  return `[realtime]\n${Object.entries(limits).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}
