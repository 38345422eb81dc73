'use client';
import { useState, type ChangeEvent } from 'react';
import Link from 'next/link';
import { useEngine, useSync } from './SyncProvider.tsx';

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export function UsagePanel() {
  const usage = useSync((e) => e.store.usage, null);
  if (!usage) return <section data-testid="usage-panel" className="usage" aria-busy="true">Loading usage…</section>;
  const over = usage.uploadsCount >= usage.quotaUploads;
  return (
    <section data-testid="usage-panel" className="usage" data-uploads={usage.uploadsCount} data-duration-ms={usage.totalDurationMs}
      data-quota-uploads={usage.quotaUploads} data-updated-at={usage.updatedAt} aria-label="usage and quota">
      <div><strong>{usage.uploadsCount}</strong> of {usage.quotaUploads} uploads</div>
      <div><strong>{seconds(usage.totalDurationMs)}</strong> of {seconds(usage.quotaDurationMs)} audio</div>
      <progress max={usage.quotaUploads} value={usage.uploadsCount} aria-label="uploads used" />
      {over && <p className="warn">Upload quota reached: new uploads are refused.</p>}
    </section>
  );
}

export function Dashboard() {
  const engine = useEngine();
  const files = useSync((e) => e.store.sortedFiles(), []);
  const usage = useSync((e) => e.store.usage, null);
  const [message, setMessage] = useState('');
  const onFile = async (ev: ChangeEvent<HTMLInputElement>) => {
    const input = ev.currentTarget;
    const file = input.files?.[0];
    if (!file || !engine) return;
    if (usage && usage.uploadsCount >= usage.quotaUploads) {
      setMessage(`Upload refused: quota of ${usage.quotaUploads} uploads reached.`);
      input.value = '';
      return;
    }
    setMessage('');
    await engine.create(file.name, await file.arrayBuffer(), file.type || 'application/octet-stream');
    input.value = '';
  };
  return (
    <div className="dashboard">
      <UsagePanel />
      <section className="upload">
        <label htmlFor="upload">Upload audio</label>
        <input id="upload" data-testid="upload-input" type="file" accept="audio/*,.wav,.mp3,.m4a" onChange={onFile} disabled={!engine} />
        {message && <p className="warn" role="alert">{message}</p>}
      </section>
      <section>
        <h2>Your audio</h2>
        <ul data-testid="audio-list" className="list" aria-label="audio files">
          {files.length === 0 && <li className="empty">No audio yet. Upload a file to transcribe it.</li>}
          {files.map((f) => (
            <li key={f.id} data-testid="audio-row" data-id={f.id} data-status={f.status} data-updated-at={f.updatedAt} className={f.pending ? 'row pending' : 'row'}>
              <Link href={`/audio/${f.id}`} prefetch={false} data-testid="audio-name">{f.name}</Link>
              <span data-testid="audio-status" className={`badge badge-${f.status}`}>{f.status}</span>
              {f.pending && <span className="muted">saving…</span>}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
