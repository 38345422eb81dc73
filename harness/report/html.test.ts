// index.html is for people: in a run shaped like a real one, every chart keeps a plotting area,
// legends name each thing once, faults are summed per scenario, and each scenario links to its evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { writeReport } from './write.ts';
import { realistic } from './fixture.ts';
import { browserPath } from '../setup/chromium.ts';

interface ChartLike { canvas: HTMLCanvasElement; chartArea: { width: number; height: number }; legend?: { legendItems?: { text: string }[] }; options: { plugins?: { legend?: { display?: boolean } } } }

test('a realistic report is readable: roomy charts, one legend entry per kind, faults per scenario, links per scenario', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'syncwright-report-'));
  const r = realistic();
  const out = await writeReport(r, { dir });
  const browser = await chromium.launch({ executablePath: browserPath(false), args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${path.join(out, 'index.html')}`);
    await page.waitForFunction(() => {
      const charts = (window as unknown as { charts?: unknown[] }).charts;
      return charts !== undefined && charts.length > 0 && charts.length === document.querySelectorAll('canvas').length;
    }, undefined, { timeout: 20_000 });
    assert.deepEqual(errors, []);
    const charts = await page.evaluate(() => ((window as unknown as { charts: ChartLike[] }).charts).map((c) => ({
      id: c.canvas.id, width: c.chartArea.width, height: c.chartArea.height,
      legend: c.options.plugins?.legend?.display === false ? [] : (c.legend?.legendItems ?? []).map((i) => i.text),
    })));
    // A legend that takes the chart's room leaves a sliver: every plot keeps a usable area.
    for (const c of charts) {
      assert.ok(c.width >= 200 && c.height >= 100, `${c.id}: plotting area ${Math.round(c.width)}×${Math.round(c.height)} px`);
    }
    for (const c of charts) assert.equal(new Set(c.legend).size, c.legend.length, `${c.id}: legend lists each entry once: ${c.legend.join(', ')}`);
    const timeline = charts.find((c) => c.legend.some((l) => l.includes('cut')));
    assert.ok(timeline, 'the random run\'s timeline names its fault kind in the legend');

    // Faults: one row per scenario with a count and a total time, not one row per cut.
    const random = r.scenarios.at(-1)!;
    const faultRows = page.locator('#faults tbody tr');
    assert.equal(await faultRows.count(), r.scenarios.filter((s) => s.faults.length).length);
    const row = (await faultRows.filter({ hasText: random.title }).textContent()) ?? '';
    assert.match(row, /cut/);
    assert.match(row, /24\b/, `24 cut windows (12 per client): ${row}`);
    assert.match(row, /12\.0 s/, `24 windows of 0.5 s: ${row}`);

    // Each scenario row links to its timeline, trace and history.
    const links = await page.locator('#scenarios tbody tr').filter({ hasText: random.title }).locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(links.some((h) => h?.startsWith('#timeline-')), `timeline link: ${links}`);
    assert.ok(links.includes('traces/22.zip') && links.includes('histories/22.jsonl'), `trace and history: ${links}`);
    const target = links.find((h) => h?.startsWith('#timeline-'))!;
    assert.equal(await page.locator(`[id="${target.slice(1)}"]`).count(), 1, 'the timeline link has a target');
    await page.screenshot({ path: path.join(out, 'screenshot.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
