// The part of the real server's `realtime` schema an app's own SQL refers to: the messages table
// whose RLS policies authorize private channels, `realtime.topic()` that those policies read, and
// `realtime.send()`. Same names, columns and grants as supabase/realtime's tenant migrations; the
// table is not partitioned by day (a difference listed in docs/realtime-fidelity.md). Idempotent:
// the stack applies it before an app's migrations (whose policies name the table), and the server
// again when it starts on a database it did not prepare.
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
