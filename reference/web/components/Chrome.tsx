'use client';
import { useEngine, useSync } from './SyncProvider.tsx';

export function ConnectionStatus() {
  const status = useSync((e) => e.status, 'connecting' as const);
  const label = { connected: 'Live', connecting: 'Connecting…', offline: 'Offline' }[status];
  return (
    <span data-testid="connection-status" data-state={status} className={`status status-${status}`} role="status" aria-live="polite">
      {label}
    </span>
  );
}

export function PendingCount() {
  const pending = useSync((e) => e.queue.size, 0);
  return (
    <span data-testid="pending-count" aria-label={`${pending} changes waiting to sync`} className="pending">
      {pending}
    </span>
  );
}

export function Notifications() {
  const engine = useEngine();
  const notices = useSync((e) => e.notices, []);
  if (!notices.length) return null;
  return (
    <ul className="notices" aria-label="notifications">
      {notices.map((n) => (
        <li key={n.id} data-testid="notification" data-kind={n.kind} data-entity-id={n.entityId} className={`notice notice-${n.kind}`} role="alert">
          <span>{n.message}</span>
          <button type="button" onClick={() => engine?.dismiss(n.id)} aria-label="dismiss">×</button>
        </li>
      ))}
    </ul>
  );
}
