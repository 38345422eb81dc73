'use client';
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { createClient } from '@supabase/supabase-js';
import { SyncEngine } from '../lib/sync/engine.ts';
import { openStorage } from '../lib/sync/storage.ts';
import { decodeJwt } from 'jose';
import { refreshDelayMs, refreshDue } from '../lib/sync/token.ts';
import { ACCOUNT_HEADER } from '../lib/sync/types.ts';
import { bugSwitch, type PlantedBug } from '../../planted.ts';

export interface PublicConfig {
  supabaseUrl: string; anonKey: string; eventsPerSecond: number; planted?: PlantedBug;
  /** How long each accessToken call takes (a slow token source; dev login's `tokenDelay`). */
  tokenDelayMs?: number;
  /** Run the sync effect set up, cleaned up and set up again, as React StrictMode does in development. */
  strictMode?: boolean;
}
export interface SessionInfo { userId: string; email: string; accessToken: string; expiresAt: number }

const EngineContext = createContext<SyncEngine | null>(null);

declare global {
  interface Window { __syncwright?: { record?: (e: { kind: string; table: string; id: string; updatedAt: string }) => void } }
}

/** One engine per signed-in tab; the EventContext of the plan (notifications) is this engine's notices. */
export function SyncProvider({ config, session, children }: { config: PublicConfig; session: SessionInfo; children: ReactNode }) {
  const [engine, setEngine] = useState<SyncEngine | null>(null);
  useEffect(() => {
    if (!config.strictMode) return startSync(config, session, setEngine);
    startSync(config, session, setEngine)();
    return startSync(config, session, setEngine);
  }, [config, session.userId]); // eslint-disable-line react-hooks/exhaustive-deps
  return <EngineContext.Provider value={engine}>{children}</EngineContext.Provider>;
}

/**
 * The tab's supabase client, token refresh and sync engine; returns the cleanup. The cleanup may run
 * while the setup is still awaiting (StrictMode runs it at once): whatever the setup would still
 * create after that must not be created.
 */
function startSync(config: PublicConfig, session: SessionInfo, setEngine: (e: SyncEngine) => void): () => void {
  const bugOn = bugSwitch(config.planted);
  let token = session.accessToken;
  let receivedAt = Date.now();
  let stopped = false;
  // Refresh the access token before it expires: setAuth pushes it on the joined channel
  // (access_token), so the server keeps the subscription instead of ending it at expiry.
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  /** A fresh token, handed to supabase-js (on a joined channel, it pushes access_token). */
  const renew = () => refresh().then(() => supabase.realtime.setAuth());
  const renewIn = (ms: number) => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void renew().catch(() => {}), ms);
  };
  const scheduleRefresh = (received: string) => {
    // Planted bug clock-token-refresh: the wait is reckoned from the token's expiry by the
    // browser's clock, which may be minutes off the server's.
    renewIn(bugOn('clock-token-refresh')
      ? Math.max(1_000, Number(decodeJwt(received).exp) * 1000 - 3_000 - Date.now())
      : refreshDelayMs(received));
  };
  /** One fetch at a time: the timer, a wake and the server's "expired" may all ask at once. */
  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      // Bounded: supabase-js waits on this (accessToken) before it joins; a stalled link must not hold it forever.
      const next = await fetch('/api/session', { signal: AbortSignal.timeout(10_000) })
        .then(async (res) => (res.ok ? (await res.json()) as { accessToken: string; expiresAt: number } : undefined))
        .catch(() => undefined);
      if (stopped) return;
      // Unreachable (offline): try again shortly; the realtime socket is down then anyway.
      if (!next) {
        renewIn(2_000);
        return;
      }
      token = next.accessToken;
      receivedAt = Date.now();
      scheduleRefresh(token);
    })().finally(() => { inFlight = undefined; });
    return inFlight;
  };
  const makeClient = () => createClient(config.supabaseUrl, config.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    // Called on connect and every heartbeat. A token past its refresh point by the wall clock is
    // renewed first: the timer may not have fired (a machine that slept). Planted bug
    // sleep-stale-token trusts the timer alone.
    accessToken: async () => {
      if (config.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, config.tokenDelayMs));
      if (!bugOn('sleep-stale-token') && !bugOn('no-token-refresh') && refreshDue(token, receivedAt, Date.now())) await refresh();
      return token;
    },
    realtime: { params: { eventsPerSecond: config.eventsPerSecond } },
  });
  const supabase = makeClient();
  let e: SyncEngine | undefined;
  // The planted bug keeps the first token for good, so the server ends the channel when it expires.
  if (!bugOn('no-token-refresh')) scheduleRefresh(session.accessToken);
  void (async () => {
    // The channel's join carries whatever token supabase-js holds when it goes out: without this
    // wait it joins as anon and RLS hides every change until the token follows (supabase-js #2655).
    // Planted bug join-before-token skips it.
    if (!bugOn('join-before-token')) await supabase.realtime.setAuth();
    const kv = await openStorage({
      // One store a browser profile; the engine keys the cache and the queue by user.
      name: 'syncwright',
      indexedDB: typeof indexedDB === 'undefined' ? undefined : indexedDB,
      localStorage: typeof localStorage === 'undefined' ? undefined : localStorage,
      noFallback: bugOn('no-localstorage-fallback'),
    });
    // Planted bug strict-mode-leak: no check after the await, so a setup cleaned up meanwhile still
    // starts its engine, whose channel and socket nothing will ever remove.
    if (stopped && !bugOn('strict-mode-leak')) return;
    e = new SyncEngine({
      userId: session.userId, kv, fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers as Record<string, string>, [ACCOUNT_HEADER]: session.userId } }), supabase,
      online: () => navigator.onLine, uuid: () => crypto.randomUUID(), planted: config.planted,
      record: (ev) => window.__syncwright?.record?.(ev),
      // The planted bug no-token-refresh keeps the first token for good, whatever the server says.
      renewToken: bugOn('no-token-refresh') ? undefined : renew,
      newClient: bugOn('new-client-on-error') ? makeClient : undefined,
    });
    await e.start();
    setEngine(e);
  })();
  // Back from the background, from frozen or from the back-forward cache: ask for the token (renewed
  // if the wall clock says so) and let the engine catch up on what the feed may have lost meanwhile.
  const wake = () => {
    if (document.visibilityState !== 'visible') return;
    void supabase.realtime.setAuth().catch(() => {});
    e?.wake();
  };
  const onPageShow = (ev: PageTransitionEvent) => { if (ev.persisted) wake(); };
  document.addEventListener('visibilitychange', wake);
  document.addEventListener('resume', wake);
  window.addEventListener('pageshow', onPageShow);
  return () => {
    stopped = true;
    document.removeEventListener('visibilitychange', wake);
    document.removeEventListener('resume', wake);
    window.removeEventListener('pageshow', onPageShow);
    clearTimeout(refreshTimer);
    e?.stop();
    void supabase.removeAllChannels();
  };
}

export function useEngine(): SyncEngine | null {
  return useContext(EngineContext);
}

/**
 * Re-renders on every engine change (batched by the engine). Keyed on shownVersion, not the live
 * store.version: a render for another reason does not show rows the cache does not hold yet.
 */
export function useSync<T>(select: (e: SyncEngine) => T, fallback: T): T {
  const engine = useEngine();
  const subscribe = useMemo(() => (cb: () => void) => (engine ? engine.subscribe(cb) : () => {}), [engine]);
  const version = useSyncExternalStore(subscribe, () => (engine ? `${engine.shownVersion}:${engine.status}:${engine.queue.size}:${engine.notices.length}` : ''), () => '');
  return useMemo(() => (engine ? select(engine) : fallback), [engine, version]); // eslint-disable-line react-hooks/exhaustive-deps
}
