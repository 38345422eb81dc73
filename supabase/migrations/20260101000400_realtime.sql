-- FULL gives UPDATE events their old_record; DELETE keys come from the primary key either way.
alter table public.audio_files replica identity full;
alter table public.transcript_runs replica identity full;
alter table public.usage_logs replica identity full;

-- Supabase makes supabase_realtime, empty, for every project; a bare Postgres has none.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then create publication supabase_realtime; end if;
end $$;
alter publication supabase_realtime add table public.audio_files, public.transcript_runs, public.usage_logs;
