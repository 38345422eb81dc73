alter table public.audio_files enable row level security;
alter table public.transcript_runs enable row level security;
alter table public.usage_logs enable row level security;
alter table public.mutations enable row level security;
alter table public.deletions enable row level security;

create policy own_rows on public.audio_files for all to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy own_rows on public.transcript_runs for all to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy own_rows on public.usage_logs for all to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy own_rows on public.mutations for all to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy own_rows on public.deletions for select to authenticated
  using (user_id = auth.uid());

grant select, insert, update, delete on public.audio_files, public.transcript_runs to authenticated, service_role;
grant select, update on public.usage_logs to authenticated;
grant select, insert, update, delete on public.usage_logs to service_role;
grant select, insert on public.mutations to authenticated;
grant all on public.mutations, public.deletions to service_role;
grant select on public.deletions to authenticated;
