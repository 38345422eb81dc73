import { decodeJwt } from 'jose';
import { test, expect } from '../fixtures/index.ts';
import { seedFile, serverRename } from './helpers.ts';

// Short-lived tokens for this spec's browsers (`/dev/login?tokenTtl=`), so the first one expires a
// few seconds into the session; the stack's other browsers keep the default lifetime.
const TTL_S = 6;
test.use({ login: { tokenTtl: String(TTL_S) } });

for (const skewMin of [0, -5]) {
  const title = skewMin
    ? `a short-lived access token is refreshed in time with the browser clock ${-skewMin} min behind`
    : 'an access token expiring mid-session is refreshed without losing the subscription';
  test(title, async ({ openClient, db, user, history }) => {
    const id = await seedFile(db, user, 'token.wav');
    const alice = await openClient();
    await alice.row(id).waitFor();
    // A wrong clock on the user's machine: the token's lifetime is the server's, not the browser's.
    if (skewMin) await alice.page.clock.setSystemTime(Date.now() + skewMin * 60_000);

    // The token the page joined with, read from the wire (so this holds for any app under test).
    const join = alice.frames.find((f) => f.dir === 'sent' && f.event === 'phx_join' && typeof f.payload.access_token === 'string');
    expect(join, 'the page joined its channel with an access token').toBeDefined();
    const { exp, iat } = decodeJwt(String(join!.payload.access_token));
    expect(exp! - iat!, 'tokens live a few seconds (/dev/login?tokenTtl=), so one expires during the test').toBeLessThanOrEqual(60);

    // A marker on this document: if it is still there at the end, the page was not reloaded.
    await alice.page.evaluate(() => { (window as unknown as { __sameDocument: boolean }).__sameDocument = true; });
    // Past the first token's expiry by one more lifetime, so the server's expiry check has fired
    // for it and a refreshed token has itself been replaced.
    await alice.page.waitForTimeout(Math.max(0, exp! * 1000 - Date.now()) + (exp! - iat!) * 1000);

    const at = await serverRename(db, id, 'after-expiry.wav', history);
    await expect(alice.row(id), 'a change after the expiry reaches the DOM within the 2 s budget').toHaveAttribute('data-updated-at', at, { timeout: 2_000 });
    expect(await alice.status()).toBe('connected');
    expect(await alice.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), 'no reload').toBe(true);
    const ended = alice.frames.filter((f) => f.dir === 'received' && f.event === 'system' && f.payload.status === 'error');
    expect(ended.map((f) => f.payload.message), 'the server never ended the channel').toEqual([]);
  });
}
