import { test, expect, finalReads } from '../fixtures/index.ts';
import { seedFile } from './helpers.ts';

// A change larger than max_record_bytes (1 MiB in supabase/config.toml, as in production) reaches
// subscribers as `errors: ["Error 413: Payload Too Large"]` with only the values of at most 64 bytes
// in `record` (docs/realtime-fidelity.md). A long recording's transcript is such a row: a client
// that merges the payload as the row shows the run finished with its transcript gone.
test('a transcript over 1 MB arrives as a 413 stub: the detail page still shows it whole, within the budget', async ({ openClient, db, user, history }) => {
  const file = await seedFile(db, user, 'ten-hours.wav', 'processing');
  // Held by a lease far in the future so the worker leaves it alone: only our writes change it.
  const { rows: [run] } = await db.query(`insert into transcript_runs (audio_file_id, user_id, status, lease_owner, lease_expires_at)
    values ($1, $2, 'processing', 'scenario', now() + interval '1 hour') returning id`, [file, user.id]);
  const alice = await openClient();
  await alice.openDetail(file);
  const runRow = alice.page.locator(`[data-testid=run-row][data-id="${run.id}"]`);
  await expect(runRow).toHaveAttribute('data-status', 'processing');

  const from = alice.frames.length;
  const head = 'TRANSCRIPT-START';
  const { rows: [done] } = await db.query(`update transcript_runs set status = 'succeeded', transcript = $2 || repeat(' word', 260000)
    where id = $1 returning to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t, octet_length(transcript) n`, [run.id, head]);
  expect(Number(done.n), 'the row is over 1 MiB').toBeGreaterThan(1_048_576);

  await expect(runRow, 'the run shows its new version within the 2 s budget (with margin)').toHaveAttribute('data-updated-at', done.t, { timeout: 4_000 });
  await expect(runRow).toHaveAttribute('data-status', 'succeeded');
  const transcript = alice.page.locator('[data-testid=transcript]');
  await expect(transcript, 'with its transcript').toHaveText(new RegExp(`^${head} word`), { timeout: 2_000 });
  expect((await transcript.textContent())?.length, 'whole').toBe(head.length + ' word'.length * 260_000);
  const stub = alice.frames.slice(from).find((f) => f.event === 'postgres_changes'
    && (f.payload.data as { table?: string } | undefined)?.table === 'transcript_runs');
  expect((stub?.payload.data as { errors?: unknown } | undefined)?.errors, 'it came as a 413 stub').toEqual(['Error 413: Payload Too Large']);
  await finalReads([alice], db, user, history);
});
