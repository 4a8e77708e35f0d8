/**
 * Finance's closed quarter in the dashboard (issue #14), end to end: `rebates up` on the sample
 * data folder, 2016-Q1 closed, a corrected kvant report uploaded by kvant through the API, then
 * Debian's Chromium (playwright-core) on the quarter's overview. Expectations come from the API as
 * finance sees it, never from the dashboard's own code.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { requireJdkInCI } from '../support/ci.js';
import { apiCaller, startStack, type ApiCall } from '../support/page-checks.js';
import { browserTestsCanRun, launchChromium, rebates, ROOT, tearDown } from '../support/rebates-up.js';
import { OUTCOME_MS } from '../support/explain.js';
import { openAs } from '../support/open-as.js';

const [Q1, Q2] = ['2016-Q1', '2016-Q2'];
const KVANT_KEY = 'incoming/kvant/kvant-sellout-2016Q1.csv';
const squash = (s: string | null) => (s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const rub = (amount: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'RUB', currencyDisplay: 'code' }).format(
    amount as `${number}`,
  );

interface ClosedPayouts {
  status: string;
  closed: { by: string; sha256: string; total: string };
  total: string;
  lines: unknown[];
  adjustments: { partnerId: string; distributorId: string; amount: string; causes: { key?: string }[] }[];
  adjustmentsTotal: string;
}

const hasChromium = browserTestsCanRun('finance dashboard e2e');

describe.skipIf(!hasChromium)('a closed quarter in the dashboard (Chromium against "rebates up")', { timeout: 150_000 }, () => {
  let stateDir: string;
  let stack: ChildProcess | undefined;
  let base: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let profileDir: string | undefined;
  let financeToken: string;
  let closed: ClosedPayouts;
  /** Who closed the quarter: the approver, where a close needs a second finance user. */
  let closer = 'fin-anna';
  let apiCall: ApiCall;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireJdkInCI();
    ({ stateDir, base, stack } = await startStack('rebates-e2e-finance-'));
    apiCall = apiCaller(base);
    financeToken = await rebates('token', '--role', 'finance', '--sub', 'fin-anna', '--state', stateDir);

    // Close 2016-Q1; where closing needs a second finance user's approval, a second one gives it.
    const close = await apiCall<{ approval?: { id: string } }>('POST', `/quarters/${Q1}/close`, financeToken);
    if (close.status === 202 && close.body.approval) {
      const other = await rebates('token', '--role', 'finance', '--sub', 'fin-boris', '--state', stateDir);
      expect((await apiCall('POST', `/approvals/${close.body.approval.id}/approve`, other)).status).toBe(200);
      closer = 'fin-boris';
    } else expect(close.status).toBe(200);

    // kvant corrects its report: RU100107 (whose lines are all kvant's) bought two more Latitudes.
    const kvantToken = await rebates('token', '--role', 'distributor', '--distributor', 'kvant', '--sub', 'dist-kvant', '--state', stateDir);
    const lines = (await readFile(join(ROOT, 'samples', 'data', 'reports', 'kvant', 'kvant-sellout-2016Q1.csv'), 'utf8')).split('\n');
    const cells = lines[5]!.split(',');
    cells[7] = String(Number(cells[7]) + 2);
    lines[5] = cells.join(',');
    const target = await apiCall<{ url: string; key: string }>('POST', '/uploads', kvantToken, { name: 'kvant-sellout-2016Q1.csv' });
    expect(target.body.key).toBe(KVANT_KEY);
    expect((await fetch(target.body.url, { method: 'PUT', body: lines.join('\n') })).status).toBe(200);
    // Polled while the correction is ingested and computed; the answer is checked once it has it.
    // (vi.waitFor, as expect.poll is for tests only, not hooks.)
    await vi.waitFor(
      async () => {
        closed = (await apiCall<ClosedPayouts>('GET', `/quarters/${Q1}/payouts`, financeToken)).body;
        expect(closed.adjustments?.length ?? 0, 'adjustments after the corrected kvant report').toBeGreaterThan(0);
      },
      { timeout: OUTCOME_MS, interval: 200 },
    );

    ({ context, page, profileDir } = await launchChromium('rebates-e2e-chromium-', pageErrors));
  }, 300_000);

  afterAll(() => tearDown(context, stack, stateDir, profileDir), 60_000);

  test('the overview says closed, by whom, with the frozen total, and lists the adjustments apart with their causes', async () => {
    expect(closed).toMatchObject({ status: 'closed', closed: { by: closer } });
    await page.goto(`${base}/`);
    await page.getByLabel('Access token').fill(financeToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByLabel('Quarter', { exact: true }).selectOption(Q1);
    await page.getByRole('heading', { level: 1, name: `Quarter ${Q1}` }).waitFor();
    expect(squash(await page.getByRole('heading', { level: 1 }).textContent())).toBe(`Quarter ${Q1} closed`);

    const mark = page.locator('section.closed-mark');
    await mark.waitFor();
    const markText = squash(await mark.textContent());
    expect(markText).toContain(`by ${closer}`);
    expect(markText).toContain(`Frozen total: ${squash(rub(closed.closed.total))}`);
    expect(markText).toContain(closed.closed.sha256);
    // The figures are the frozen ones: the total shown is the snapshot's, not the live one.
    expect(squash(await page.locator('.figures').textContent())).toContain(squash(rub(closed.total)));
    expect(closed.total).toBe(closed.closed.total);

    const rows = page.locator('table.adjustments-table tbody tr');
    await expect.poll(() => rows.count()).toBe(closed.adjustments.length);
    const adjustments = squash(await page.locator('section.adjustments').textContent());
    expect(adjustments).toContain(squash(rub(closed.adjustmentsTotal)));
    expect(adjustments).toContain(KVANT_KEY);
    expect(adjustments).toContain('uploaded by distributor dist-kvant');

    // The live recalculation only when asked for, and marked as such.
    await page.getByRole('button', { name: 'Show pending corrections (live)' }).click();
    await page.getByText('Live recalculation of a closed quarter: not what was paid.').waitFor();
    const live = (await apiCall<{ total: string }>('GET', `/quarters/${Q1}/payouts?view=pending-corrections`, financeToken)).body;
    expect(squash(await page.locator('.figures').textContent())).toContain(squash(rub(live.total)));
    await page.getByRole('button', { name: 'Show the frozen figures' }).click();
    await page.getByText('These are the figures frozen at close').waitFor();
    expect(pageErrors).toEqual([]);
  });

  test('the next quarter shows its own payouts apart from the corrections of the closed one', async () => {
    const q2 = (await apiCall<{ totals: { payouts: string; corrections: { ofQuarter: string; amount: string }[] } }>('GET', `/quarters/${Q2}/payouts`, financeToken)).body;
    await page.getByLabel('Quarter', { exact: true }).selectOption(Q2);
    await page.getByRole('heading', { level: 1, name: `Quarter ${Q2}` }).waitFor();
    const apart = squash(await page.locator('section.totals-apart').textContent());
    expect(apart).toContain(`Payouts of ${Q2}: ${squash(rub(q2.totals.payouts))}`);
    expect(apart).toContain(`Corrections of ${Q1} (a closed quarter): ${squash(rub(q2.totals.corrections[0]!.amount))}`);
    // The accruals panel of the open quarter, for finance.
    await page.getByRole('heading', { level: 2, name: 'Accruals' }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  test('the reports page says who uploaded the corrected kvant report, as the API records it', async () => {
    type Report = { key: string; name: string; uploader: { by: string; via: string } | null };
    const { reports } = (await apiCall<{ reports: Report[] }>('GET', '/reports', financeToken)).body;
    const kvant = reports.find((r) => r.key === KVANT_KEY)!;
    expect(kvant.uploader).toEqual({ by: 'distributor dist-kvant', via: 'upload-url' });
    await page.goto(`${base}/#/reports`);
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    const row = page.locator('table.reports tbody tr', { hasText: kvant.name });
    await expect.poll(async () => squash(await row.locator('.uploader').textContent().catch(() => ''))).toBe('Uploaded by dist-kvant (Distributor)');
    // A sample report that `rebates up` loaded names the command, as recorded: no role to translate.
    const sample = reports.find((r) => r.uploader?.by.startsWith('the rebates command') && !reports.some((o) => o !== r && o.name === r.name));
    expect(sample, 'a sample report recorded as loaded by the rebates command').toBeDefined();
    const sampleRow = page.locator('table.reports tbody tr', { hasText: sample!.name });
    expect(squash(await sampleRow.locator('.uploader').innerText())).toBe(`Uploaded by ${sample!.uploader!.by}`);
    expect(pageErrors).toEqual([]);
  });

  test("in Russian, the adjustments' causes are the API's Russian sentences, marked Russian", async () => {
    const res = await fetch(`${base}/api/quarters/${Q1}/payouts`, {
      headers: { Authorization: `Bearer ${financeToken}`, 'Accept-Language': 'ru' },
    });
    expect(res.status).toBe(200);
    const inRussian = (await res.json()) as { adjustments: { causes: { key?: string; text: string; lang: string }[] }[] };
    const causes = inRussian.adjustments.flatMap((a) => a.causes);
    expect(causes.length).toBeGreaterThan(0);
    for (const c of causes) expect(c.lang).toBe('ru');
    const kvant = causes.find((c) => c.key === KVANT_KEY);
    expect(kvant?.text).toContain('загрузил: distributor dist-kvant');

    await openAs(page, base, { token: financeToken, lang: 'ru', quarter: Q1 }, `#/overview/${Q1}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    const items = page.locator('table.adjustments-table ul.causes li');
    await expect.poll(() => items.count()).toBe(causes.length);
    const shown = await items.evaluateAll((lis) => lis.map((li) => ({ text: li.textContent, lang: li.closest('[lang]')?.getAttribute('lang') })));
    expect(shown.map((s) => squash(s.text))).toEqual(causes.map((c) => squash(c.text)));
    for (const s of shown) expect(s.lang).toBe('ru');
    // Nothing in the list is left in the English the browser used to word it in.
    expect(squash(await page.locator('table.adjustments-table').textContent())).not.toMatch(/uploaded by|replaced|uploader not recorded/);
    expect(pageErrors).toEqual([]);
  });
});
