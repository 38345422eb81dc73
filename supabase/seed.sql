-- Two users with data in varied states. Ids are fixed so scenarios and people can name them.
insert into auth.users (id, email) values
  ('a11ce000-0000-4000-8000-000000000001', 'alice@example.test'),
  ('b0b00000-0000-4000-8000-000000000002', 'bob@example.test');

insert into public.usage_logs (user_id, uploads_count, total_duration_ms) values
  ('a11ce000-0000-4000-8000-000000000001', 2, 95000),
  ('b0b00000-0000-4000-8000-000000000002', 1, 30000);

insert into public.audio_files (id, user_id, name, status, size_bytes, duration_ms) values
  ('a11ce000-f11e-4000-8000-000000000001', 'a11ce000-0000-4000-8000-000000000001', 'standup-monday.wav', 'uploaded', 480000, 60000),
  ('a11ce000-f11e-4000-8000-000000000002', 'a11ce000-0000-4000-8000-000000000001', 'interview.mp3', 'uploaded', 240000, 35000),
  ('b0b00000-f11e-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 'bob-voice-memo.m4a', 'uploaded', 120000, 30000);

-- Walk the files through legal transitions so the guard is respected by the seed too.
update public.audio_files set status = 'processing' where id in
  ('a11ce000-f11e-4000-8000-000000000001', 'a11ce000-f11e-4000-8000-000000000002', 'b0b00000-f11e-4000-8000-000000000001');

insert into public.transcript_runs (id, audio_file_id, user_id, status) values
  ('a11ce000-0a11-4000-8000-000000000001', 'a11ce000-f11e-4000-8000-000000000001', 'a11ce000-0000-4000-8000-000000000001', 'processing'),
  ('a11ce000-0a11-4000-8000-000000000002', 'a11ce000-f11e-4000-8000-000000000002', 'a11ce000-0000-4000-8000-000000000001', 'processing'),
  ('b0b00000-0a11-4000-8000-000000000001', 'b0b00000-f11e-4000-8000-000000000001', 'b0b00000-0000-4000-8000-000000000002', 'processing');

update public.transcript_runs set status = 'succeeded', transcript = 'Good morning team. Yesterday we shipped the sync engine.'
  where id = 'a11ce000-0a11-4000-8000-000000000001';
update public.transcript_runs set status = 'failed', error = 'synthetic transcriber: audio unreadable'
  where id = 'a11ce000-0a11-4000-8000-000000000002';
update public.transcript_runs set status = 'succeeded', transcript = 'Remember to buy milk.'
  where id = 'b0b00000-0a11-4000-8000-000000000001';

update public.audio_files set status = 'succeeded' where id in
  ('a11ce000-f11e-4000-8000-000000000001', 'b0b00000-f11e-4000-8000-000000000001');
update public.audio_files set status = 'failed', error = 'synthetic transcriber: audio unreadable'
  where id = 'a11ce000-f11e-4000-8000-000000000002';
