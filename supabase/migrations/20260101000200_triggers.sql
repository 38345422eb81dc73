-- updated_at orders writes (last-write-wins), so only the database may set it.
create or replace function public.set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := clock_timestamp();
  return new;
end $$;

create trigger audio_files_updated_at before insert or update on public.audio_files
  for each row execute function public.set_updated_at();
create trigger transcript_runs_updated_at before insert or update on public.transcript_runs
  for each row execute function public.set_updated_at();
create trigger usage_logs_updated_at before insert or update on public.usage_logs
  for each row execute function public.set_updated_at();

create or replace function public.guard_status_transition() returns trigger language plpgsql as $$
declare
  allowed text[];
begin
  if tg_op = 'INSERT' then
    allowed := case tg_table_name
      when 'audio_files' then array['->uploading', '->uploaded']
      else array['->queued', '->processing'] end;
    if not (('->' || new.status) = any (allowed)) then
      raise exception 'illegal %.status on insert: %', tg_table_name, new.status using errcode = '23514';
    end if;
    return new;
  end if;
  if new.status = old.status and tg_table_name = 'audio_files' then
    return new;
  end if;
  allowed := case tg_table_name
    when 'audio_files' then array['uploading->uploaded', 'uploaded->processing', 'processing->succeeded',
                                  'processing->failed', 'failed->processing']
    else array['queued->processing', 'processing->succeeded', 'processing->failed', 'processing->processing',
               'queued->queued', 'succeeded->succeeded', 'failed->failed'] end;
  if not ((old.status || '->' || new.status) = any (allowed)) then
    raise exception 'illegal %.status transition: % -> %', tg_table_name, old.status, new.status
      using errcode = '23514';
  end if;
  return new;
end $$;

create trigger audio_files_status_guard before insert or update of status on public.audio_files
  for each row execute function public.guard_status_transition();
create trigger transcript_runs_status_guard before insert or update of status on public.transcript_runs
  for each row execute function public.guard_status_transition();

-- Workers LISTEN on syncwright_work instead of polling.
create or replace function public.notify_work() returns trigger language plpgsql as $$
begin
  if (tg_table_name = 'audio_files' and new.status = 'uploaded')
     or (tg_table_name = 'transcript_runs' and new.status = 'queued') then
    perform pg_notify('syncwright_work', json_build_object('table', tg_table_name, 'id', new.id)::text);
  end if;
  return new;
end $$;

create trigger audio_files_notify_work after insert or update of status on public.audio_files
  for each row execute function public.notify_work();
create trigger transcript_runs_notify_work after insert or update of status on public.transcript_runs
  for each row execute function public.notify_work();

create or replace function public.record_deletion() returns trigger language plpgsql security definer as $$
begin
  insert into public.deletions (table_name, row_id, user_id)
  values (tg_table_name, old.id, old.user_id)
  on conflict (table_name, row_id) do update set deleted_at = clock_timestamp();
  return old;
end $$;

create trigger audio_files_tombstone after delete on public.audio_files
  for each row execute function public.record_deletion();
create trigger transcript_runs_tombstone after delete on public.transcript_runs
  for each row execute function public.record_deletion();
