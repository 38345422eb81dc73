create table public.audio_files (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null check (length(name) between 1 and 255),
  status text not null default 'uploading'
    check (status in ('uploading', 'uploaded', 'processing', 'succeeded', 'failed')),
  size_bytes bigint check (size_bytes >= 0),
  duration_ms integer check (duration_ms >= 0),
  error text,
  storage_path text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default clock_timestamp()
);
create index audio_files_user_updated on public.audio_files (user_id, updated_at);
create index audio_files_claimable on public.audio_files (updated_at) where status = 'uploaded';

create table public.transcript_runs (
  id uuid primary key default gen_random_uuid(),
  audio_file_id uuid not null references public.audio_files (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  status text not null default 'queued'
    check (status in ('queued', 'processing', 'succeeded', 'failed')),
  transcript text,
  error text,
  attempt integer not null default 1,
  lease_owner text,
  lease_expires_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default clock_timestamp()
);
create index transcript_runs_user_updated on public.transcript_runs (user_id, updated_at);
create index transcript_runs_file on public.transcript_runs (audio_file_id, created_at desc);
create index transcript_runs_claimable on public.transcript_runs (lease_expires_at) where status in ('queued', 'processing');

create table public.usage_logs (
  user_id uuid primary key references auth.users (id) on delete cascade,
  uploads_count integer not null default 0 check (uploads_count >= 0),
  total_duration_ms bigint not null default 0 check (total_duration_ms >= 0),
  quota_uploads integer not null default 20,
  quota_duration_ms bigint not null default 3600000,
  updated_at timestamptz not null default clock_timestamp()
);

-- Idempotency ledger: the app records each mutationId with its response in the mutation's own transaction.
create table public.mutations (
  mutation_id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null,
  entity_id uuid,
  status_code integer not null,
  response jsonb,
  created_at timestamptz not null default clock_timestamp()
);

-- Tombstones so `GET /api/sync?since=` can report deletions.
create table public.deletions (
  table_name text not null,
  row_id uuid not null,
  user_id uuid not null,
  deleted_at timestamptz not null default clock_timestamp(),
  primary key (table_name, row_id)
);
create index deletions_user_time on public.deletions (user_id, deleted_at);
