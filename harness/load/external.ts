// The users of an external target (`syncwright load --supabase-url …`): we cannot create users
// there, so the load runs as users that exist already, each with an access token —
//   --jwt-secret S   the seed's users (supabase/seed.sql: alice and bob), their tokens minted with S
//                    (HS256) as the harness mints every token;
//   --token-file F   tokens issued by the target's Auth, one per user (the user is the token's sub):
//                    one JWT per line (blank lines and lines starting with # are skipped), or a JSON
//                    array of JWTs or of objects with an `accessToken` (stack.json's `users` is one).
import { decodeJwt } from 'jose';
import { mintUserToken } from '../stack/keys.ts';
import { ALICE, BOB } from '../stack/seed-users.ts';

export interface KnownUser { id: string; token: string }

/** Minted tokens live this long: the longest run `load` takes (an hour of writing) plus its ramp and hold. */
export const MINTED_TOKEN_TTL_S = 2 * 3600;

/** The seed's users with tokens signed by `jwtSecret`. */
export async function seedUsers(jwtSecret: string): Promise<KnownUser[]> {
  return Promise.all([ALICE, BOB].map(async (u) => ({ id: u.id, token: await mintUserToken(jwtSecret, u, MINTED_TOKEN_TTL_S) })));
}

/** The entries of a token file with where each stands ("line 3", "entry 2"). */
function entries(text: string): { at: string; token: unknown }[] {
  if (text.trimStart().startsWith('[')) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (err) {
      throw new Error(`is not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(list)) throw new Error('is not a JSON array');
    return list.map((x, i) => ({ at: `entry ${i + 1}`, token: typeof x === 'object' && x !== null ? (x as { accessToken?: unknown }).accessToken : x }));
  }
  return text.split('\n').map((l, i) => ({ at: `line ${i + 1}`, token: l.trim() })).filter((e) => e.token !== '' && !e.token.startsWith('#'));
}

/**
 * The users a token file names, one per token; an entry that is no JWT, has no `sub`, has expired
 * or repeats a user is an error naming where it stands.
 */
export function parseTokenFile(text: string, nowS = Date.now() / 1000): KnownUser[] {
  const users: KnownUser[] = [];
  const seen = new Map<string, string>();
  for (const { at, token } of entries(text)) {
    if (typeof token !== 'string') throw new Error(`${at} is neither a token nor an object with an accessToken`);
    let claims: { sub?: unknown; exp?: unknown };
    try {
      claims = decodeJwt(token);
    } catch (err) {
      throw new Error(`${at} is not a JWT (${(err as Error).message})`);
    }
    if (typeof claims.sub !== 'string' || !claims.sub) throw new Error(`${at}: the token has no sub (the user it was issued to)`);
    if (typeof claims.exp === 'number' && claims.exp <= nowS) throw new Error(`${at}: the token of ${claims.sub} expired at ${new Date(claims.exp * 1000).toISOString()}`);
    const before = seen.get(claims.sub);
    if (before) throw new Error(`${at}: a second token for ${claims.sub} (the first is ${before}); one token per user`);
    seen.set(claims.sub, at);
    users.push({ id: claims.sub, token });
  }
  if (!users.length) throw new Error('holds no tokens');
  return users;
}
