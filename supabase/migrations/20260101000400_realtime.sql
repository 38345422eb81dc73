-- FULL gives UPDATE events their old_record; DELETE keys come from the primary key either way.
alter table public.audio_files replica identity full;
alter table public.transcript_runs replica identity full;
alter table public.usage_logs replica identity full;

create publication supabase_realtime for table public.audio_files, public.transcript_runs, public.usage_logs;
