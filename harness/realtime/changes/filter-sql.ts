// The real server checks a subscription's filters and select list in Postgres, in the
// realtime.subscription_check_filters trigger (migration 20260626120000_readd_postgrest_filter_ops).
// check_binding does the same checks in the same order and raises the same texts, so a refusal's
// "Exception: …" is Postgres's own words (a cast error is the cast's). It also returns, for each
// condition, the column's type and the value in the type's canonical text form, so a change can
// be matched against simple conditions without asking Postgres again (conditions.ts).
export const INSTALL_FILTERS = `
create schema if not exists syncwright_realtime;
-- realtime.cast: to_jsonb of the value cast to the type; bytea is not cast.
create or replace function syncwright_realtime.cast(val text, type_ regtype)
returns jsonb language plpgsql immutable as $fn$
declare
  res jsonb;
begin
  if type_::text = 'bytea' then
    return to_jsonb(val);
  end if;
  execute format('select to_jsonb(%L::' || type_::text || ')', val) into res;
  return res;
end
$fn$;
-- A value as its type's output function writes it, as pgoutput does (a boolean's ::text is 'true',
-- its output 't'); NULL stays NULL.
create or replace function syncwright_realtime.out(v anyelement)
returns text language sql immutable as $fn$ select case when v is null then null else format('%s', v) end $fn$;
create or replace function syncwright_realtime.check_binding(entity regclass, role text, cols text[], ops text[], vals text[], selected text[])
returns jsonb language plpgsql as $fn$
declare
  col_names text[] = coalesce(array_agg(a.attname order by a.attnum), '{}'::text[])
    from pg_catalog.pg_attribute a
   where a.attrelid = entity and a.attnum > 0 and not a.attisdropped
     and pg_catalog.has_column_privilege(role, a.attrelid, a.attnum, 'SELECT');
  col_type regtype;
  type_name text;
  in_val jsonb;
  canon text[];
  selected_col text;
  out jsonb = '[]';
begin
  for i in 1 .. coalesce(array_length(cols, 1), 0) loop
    if not cols[i] = any(col_names) then
      raise exception 'invalid column for filter %', cols[i];
    end if;
    select a.atttypid::regtype, t.typname into col_type, type_name
      from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.oid = a.atttypid
     where a.attrelid = entity and a.attname = cols[i];
    if col_type is null then
      raise exception 'failed to lookup type for column %', cols[i];
    end if;
    canon = null;
    if ops[i] = 'in' then
      in_val = syncwright_realtime.cast(vals[i], (col_type::text || '[]')::regtype);
      if coalesce(jsonb_array_length(in_val), 0) > 100 then
        raise exception 'too many values for \`in\` filter. Maximum 100';
      end if;
      execute format('select array(select syncwright_realtime.out(x) from unnest(%L::%s[]) x)', vals[i], col_type) into canon;
    elsif ops[i] = 'is' then
      if vals[i] not in ('null', 'true', 'false', 'unknown') then
        raise exception 'invalid value for is filter: must be null, true, false, or unknown';
      end if;
      if vals[i] <> 'null' and col_type <> 'boolean'::regtype then
        raise exception 'is % filter requires a boolean column, got %', vals[i], col_type::text;
      end if;
    elsif ops[i] in ('like', 'ilike') then
      if not exists (select 1 from pg_catalog.pg_operator where oprname = '~~' and oprleft = col_type) then
        raise exception 'operator % requires a text-compatible column type, got %', ops[i], col_type::text;
      end if;
    elsif ops[i] in ('match', 'imatch') then
      if not exists (
        select 1 from pg_catalog.pg_operator
         where oprname = case when ops[i] = 'imatch' then '~*' else '~' end
           and oprleft = col_type and oprright = col_type and oprresult = 'boolean'::regtype
      ) then
        raise exception 'operator % requires a text-compatible column type, got %', ops[i], col_type::text;
      end if;
      begin
        perform '' ~ vals[i];
      exception when others then
        raise exception 'invalid regular expression for % filter: %', ops[i], sqlerrm;
      end;
    else
      perform syncwright_realtime.cast(vals[i], col_type);
      execute format('select array[syncwright_realtime.out(%L::%s)]', vals[i], col_type) into canon;
    end if;
    out = out || jsonb_build_array(jsonb_build_object('sqlType', col_type::text, 'type', type_name, 'canon', to_jsonb(canon)));
  end loop;
  if selected is not null then
    foreach selected_col in array selected loop
      if not selected_col = any(col_names) then
        raise exception 'invalid column for select %', selected_col;
      end if;
    end loop;
  end if;
  return out;
end
$fn$;
`;
