import { test, expect, domLatency } from '../fixtures/index.ts';
import { summarize, withinBudget } from '../harness/history/budget.ts';

test('worker status transitions show in the list, the detail page and the run history, within budget', async ({ openClient, db, user, latency }) => {
  const alice = await openClient();
  await alice.upload('standup.wav');
  const row = alice.page.locator('[data-testid=audio-row]', { hasText: 'standup.wav' });
  await expect(row).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  const id = (await row.getAttribute('data-id'))!;

  // Every status the file went through on the server was shown, in order, within the plan's budget.
  const seen = (await alice.probe()).filter((e) => e.testid === 'audio-row' && e.id === id).map((e) => e.status);
  const statuses = seen.filter((s, i) => s !== seen[i - 1]);
  expect(statuses.slice(-2)).toEqual(['processing', 'succeeded']);
  const { rows } = await db.query(`select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') t from audio_files where id = $1`, [id]);
  const ms = domLatency(await alice.probe(), id, rows[0].t);
  expect(ms, 'the final status reached the DOM').toBeDefined();
  latency.add(ms!);

  await alice.openDetail(id);
  await expect(alice.page.locator('[data-testid=audio-detail] [data-testid=audio-status]')).toHaveText('succeeded');
  const runs = alice.page.locator('[data-testid=run-row]');
  await expect(runs).toHaveCount(1);
  await expect(runs.first()).toHaveAttribute('data-status', 'succeeded');
  await expect(alice.page.locator('[data-testid=transcript]')).not.toBeEmpty();
  const runDb = await db.query(`select status from transcript_runs where audio_file_id = $1`, [id]);
  expect(runDb.rows.map((r) => r.status)).toEqual(['succeeded']);
  const budget = withinBudget(summarize(latency.samples));
  expect(budget.ok, budget.why).toBe(true);
  void user;
});
