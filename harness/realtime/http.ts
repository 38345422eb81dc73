// What the server's two HTTP surfaces (rest-broadcast.ts, control.ts) read from a request.
import type http from 'node:http';

/** The token of a request, as the real server's AuthTenant reads it: `Authorization: Bearer …`, else the `apikey` header. */
export function requestToken(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const [scheme, token] = auth.split(' ');
    return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
  }
  const apikey = req.headers.apikey;
  return typeof apikey === 'string' && apikey ? apikey : undefined;
}

/** The request body, or 'too large' as soon as it passes `limit` bytes (the rest is not read). */
export async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
