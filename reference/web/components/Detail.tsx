'use client';
import { useMemo, useRef, useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEngine, useSync } from './SyncProvider.tsx';
import type { AudioFile, TranscriptRun } from '../lib/sync/types.ts';

export function Detail({ id }: { id: string }) {
  const engine = useEngine();
  const router = useRouter();
  const live = useSync((e) => e.store.files.get(id), undefined);
  const liveRuns = useSync((e) => e.store.runsOf(id), [] as TranscriptRun[]);
  // Planted bug no-detail-merge: the view keeps the first version it rendered.
  const frozen = useRef<{ file?: AudioFile; runs?: TranscriptRun[] }>({});
  const merge = !engine?.bugOn('no-detail-merge');
  if (live && !frozen.current.file) frozen.current = { file: live, runs: liveRuns };
  const file = merge ? live : frozen.current.file;
  const runs = merge ? liveRuns : frozen.current.runs ?? [];
  const transcript = useMemo(() => runs.find((r) => r.status === 'succeeded')?.transcript ?? null, [runs]);
  const [name, setName] = useState('');
  if (!engine) return <p aria-busy="true">Loading…</p>;
  if (!file) {
    return (
      <section className="detail missing">
        <p>This audio file does not exist or was deleted.</p>
        <Link href="/" prefetch={false}>Back to your audio</Link>
      </section>
    );
  }
  const onRename = async (ev: FormEvent) => {
    ev.preventDefault();
    if (name.trim()) await engine.rename(id, name.trim());
    setName('');
  };
  return (
    <section data-testid="audio-detail" data-id={file.id} data-status={file.status} data-updated-at={file.updatedAt} className="detail">
      <Link href="/" prefetch={false}>← All audio</Link>
      <h1 data-testid="audio-name">{file.name}</h1>
      <p>Status: <span data-testid="audio-status" className={`badge badge-${file.status}`}>{file.status}</span></p>
      {file.error && <p className="warn">{file.error}</p>}
      <form onSubmit={onRename} className="rename">
        <label htmlFor="rename">Rename</label>
        <input id="rename" data-testid="rename-input" value={name} onChange={(e) => setName(e.target.value)} placeholder={file.name} maxLength={255} />
        <button type="submit" data-testid="rename-submit">Rename</button>
      </form>
      <div className="actions">
        <button type="button" data-testid="delete-button" onClick={async () => { await engine.remove(id); router.push('/'); }}>Delete</button>
        {file.status === 'failed' && <button type="button" data-testid="retry-button" onClick={() => engine.retry(id)}>Retry transcription</button>}
      </div>
      <h2>Transcript</h2>
      <blockquote data-testid="transcript">{transcript ?? <span className="muted">No transcript yet.</span>}</blockquote>
      <h2>Run history</h2>
      <ol data-testid="run-history" className="runs">
        {runs.length === 0 && <li className="empty">No runs yet.</li>}
        {runs.map((r) => (
          <li key={r.id} data-testid="run-row" data-id={r.id} data-status={r.status} data-updated-at={r.updatedAt}>
            <span className={`badge badge-${r.status}`}>{r.status}</span> attempt {r.attempt}
            {r.error && <span className="warn"> — {r.error}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
