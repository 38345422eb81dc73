import type { ReactNode } from 'react';
import Link from 'next/link';
import { serverConfig } from '../lib/server/config.ts';
import { activePlantedBug, readSession, realtimeUrlOverride, strictModeOverride, tokenDelayOverride } from '../lib/server/session.ts';
import { SyncProvider } from '../components/SyncProvider.tsx';
import { ConnectionStatus, Notifications, PendingCount } from '../components/Chrome.tsx';
import './styles.css';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Transcribe — Syncwright reference app' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const cfg = serverConfig();
  const session = await readSession();
  const config = {
    supabaseUrl: (await realtimeUrlOverride()) ?? cfg.supabaseUrl,
    anonKey: cfg.anonKey,
    eventsPerSecond: cfg.eventsPerSecond,
    planted: await activePlantedBug(),
    tokenDelayMs: await tokenDelayOverride(),
    strictMode: await strictModeOverride(),
  };
  return (
    <html lang="en">
      <body>
        {session ? (
          <SyncProvider config={config} session={{ userId: session.userId, email: session.email, accessToken: session.token, expiresAt: session.exp }}>
            <header className="top">
              <Link href="/" prefetch={false} className="brand">Transcribe</Link>
              <span className="who">{session.email}</span>
              <ConnectionStatus />
              <span className="pending-label">pending <PendingCount /></span>
            </header>
            <Notifications />
            <main>{children}</main>
          </SyncProvider>
        ) : (
          <main className="signin">
            <h1>Sign in</h1>
            <p>This reference app signs in through <code>/dev/login?as=&lt;email&gt;</code> on a local stack, e.g.{' '}
              <a href="/dev/login?as=alice@example.test">alice</a> or <a href="/dev/login?as=bob@example.test">bob</a>.</p>
          </main>
        )}
      </body>
    </html>
  );
}
