// The part of the real server's `realtime` schema an app's own SQL refers to: the messages table
// whose RLS policies authorize private channels, `realtime.topic()` that those policies read, and
// `realtime.send()` / `realtime.broadcast_changes()`, whose rows db-broadcast.ts streams. Same names, columns and grants as supabase/realtime's tenant migrations; the
// table is not partitioned by day (a difference listed in docs/realtime-fidelity.md). Idempotent:
// the stack applies it before an app's migrations (whose policies name the table), and the server
// again when it starts on a database it did not prepare.
/** The real server's name for it (`supabase_<schema>_<table>_publication`); the change engine streams it too (db-broadcast.ts). */
export const MESSAGES_PUBLICATION = 'supabase_realtime_messages_publication';

export const REALTIME_SCHEMA_SQL = `
create schema if not exists realtime;
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  primary key (id, inserted_at),
  constraint messages_payload_exclusive check (payload is null or binary_payload is null)
);
create index if not exists messages_topic_index on realtime.messages (topic);
alter table realtime.messages enable row level security;
create or replace function realtime.topic() returns text
  language sql stable as $fn$ select nullif(current_setting('realtime.topic', true), '')::text; $fn$;
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true) returns void
language plpgsql as $fn$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := gen_random_uuid();
    if payload ? 'id' then final_payload := payload;
    else final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
    end if;
    execute format('set local realtime.topic to %L', topic);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception when others then
    raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end
$fn$;
create or replace function realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text, table_schema text, new record, old record, level text default 'ROW')
returns void language plpgsql as $fn$
declare
  row_data jsonb := '{}'::jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation = 'INSERT' or operation = 'UPDATE' or operation = 'DELETE' then
    row_data := jsonb_build_object('old_record', old, 'record', new, 'operation', operation, 'table', table_name, 'schema', table_schema);
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception when others then
  raise exception 'Failed to process the row: %', sqlerrm;
end
$fn$;
do $do$ begin
  if not exists (select 1 from pg_publication where pubname = '${MESSAGES_PUBLICATION}') then
    create publication ${MESSAGES_PUBLICATION} for table realtime.messages;
  end if;
end $do$;
do $do$
declare r text;
begin
  -- Supabase's API roles; a database without them (a bare Postgres) gets the schema alone.
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('grant usage on schema realtime to %I', r);
      execute format('grant select, insert, update on realtime.messages to %I', r);
      execute format('grant execute on function realtime.topic() to %I', r);
    end if;
  end loop;
end
$do$;
`;
