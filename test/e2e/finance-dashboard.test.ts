/**
 * Finance's closed quarter in the dashboard (issue #14), end to end: `rebates up` on the sample
 * data folder, 2016-Q1 closed, a corrected kvant report uploaded by kvant through the API, then
 * Debian's Chromium (playwright-core) on the quarter's overview. Expectations come from the API as
 * finance sees it, never from the dashboard's own code. Also on screen: the accruals downloads of the
 * open 2016-Q2, one's own close request (which the API refuses to let its requester approve), a
 * points redemption against the reward catalog, and the audit filters.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { requireJdkInCI } from '../support/ci.js';
import { apiCaller, startStack, type ApiCall } from '../support/page-checks.js';
import { browserTestsCanRun, launchChromium, rebates, ROOT, tearDown } from '../support/rebates-up.js';
import { explained, OUTCOME_MS, textNow } from '../support/explain.js';
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
  lines: { partnerId: string }[];
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

  test('the accruals CSV and XLSX downloaded on screen carry the rows and totals of the API', { timeout: 150_000 }, async () => {
    type Figures = { units: number; amount: string; projectedUnits: number | null; projectedAmount: string | null };
    type Accruals = { rows: (Figures & { program: string; distributorId: string })[]; total: Figures };
    const res = await apiCall<Accruals>('GET', `/quarters/${Q2}/accruals`, financeToken);
    expect(res.status).toBe(200);
    const accruals = res.body;
    expect(accruals.rows.length).toBeGreaterThan(0);
    const cell = (v: number | string | null) => (v === null ? '' : String(v));

    await openAs(page, base, { token: financeToken, quarter: Q2 }, `#/overview/${Q2}`);
    await explained(page, 'accruals-panel', () =>
      page.getByRole('heading', { level: 2, name: 'Accruals' }).waitFor({ timeout: OUTCOME_MS }),
    );
    // The file is fetched by the page before the download starts: an API outcome on a loaded machine.
    const download = (name: string) =>
      explained(page, `accruals-${name.replace(/\W+/g, '-')}`, async () => {
        const [file] = await Promise.all([
          page.waitForEvent('download', { timeout: OUTCOME_MS }),
          page.getByRole('link', { name, exact: true }).click(),
        ]);
        return file;
      });

    const csv = await download('Accruals CSV');
    expect(csv.suggestedFilename()).toBe(`accruals-${Q2}.csv`);
    const rows = Papa.parse<Record<string, string>>(await readFile((await csv.path())!, 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    const total = rows.at(-1)!;
    expect(total).toMatchObject({
      quarter: Q2,
      program: 'all programs',
      distributor_id: 'all distributors',
      units: String(accruals.total.units),
      amount_rub: accruals.total.amount,
      projected_units: cell(accruals.total.projectedUnits),
      projected_amount_rub: cell(accruals.total.projectedAmount),
    });
    expect(rows.slice(0, -1).map((r) => [r.program, r.distributor_id, r.units, r.amount_rub])).toEqual(
      accruals.rows.map((r) => [r.program, r.distributorId, String(r.units), r.amount]),
    );
    // The file's own rows add up to its total row.
    const summed = rows.slice(0, -1).reduce((sum, r) => sum.plus(r.amount_rub!), new Decimal(0));
    expect(summed.toFixed(2)).toBe(total.amount_rub);

    const xlsx = await download('Accruals XLSX');
    expect(xlsx.suggestedFilename()).toBe(`accruals-${Q2}.xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await readFile((await xlsx.path())!)) as unknown as ArrayBuffer);
    const sheet = (book.worksheets[0]?.getSheetValues().slice(1) ?? []).map((r) => (Array.isArray(r) ? r.slice(1) : []));
    const last = sheet.at(-1)!;
    expect(last.slice(0, 3)).toEqual([Q2, 'all programs', 'all distributors']);
    expect(Number(last[3])).toBe(accruals.total.units);
    expect(new Decimal(String(last[4])).toFixed(2)).toBe(accruals.total.amount);
    expect(sheet.length - 2).toBe(accruals.rows.length);
    expect(pageErrors).toEqual([]);
  });

  test("one's own close request offers no approval on screen, as the API refuses it; another finance user may decide it", { timeout: 150_000 }, async () => {
    const asked = await apiCall<{ approval: { id: string } }>('POST', `/quarters/${Q2}/close`, financeToken);
    expect(asked.status).toBe(202);
    const id = asked.body.approval.id;
    const own = await apiCall<{ error: { message: string } }>('POST', `/approvals/${id}/approve`, financeToken);
    expect(own.status).toBe(403);
    type Approval = { id: string; status: string; requestedBy: { sub: string } };
    const approval = async () =>
      (await apiCall<{ approvals: Approval[] }>('GET', '/approvals', financeToken)).body.approvals.find((a) => a.id === id);
    expect(await approval()).toMatchObject({ status: 'pending', requestedBy: { sub: 'fin-anna' } });

    const card = page.locator('section[aria-labelledby="pending-title"] article.approval', { hasText: Q2 });
    await openAs(page, base, { token: financeToken }, '#/approvals');
    await explained(page, 'own-request', () => card.waitFor({ timeout: OUTCOME_MS }));
    expect(await card.getByRole('button').count()).toBe(0);
    expect(squash(await card.textContent())).toContain('You asked for this; another user must decide it.');

    // Another finance user is offered the decision on the same card, and the API lets them make it.
    const boris = await rebates('token', '--role', 'finance', '--sub', 'fin-boris', '--state', stateDir);
    await openAs(page, base, { token: boris }, '#/approvals');
    await explained(page, 'other-decides', () =>
      card.getByRole('button', { name: 'Approve', exact: true }).waitFor({ timeout: OUTCOME_MS }),
    );
    expect(squash(await card.textContent())).not.toContain('You asked for this');
    const rejected = await apiCall('POST', `/approvals/${id}/reject`, boris, { comment: 'browser test: left open' });
    expect(rejected.status).toBe(200);
    expect((await approval())?.status).toBe('rejected');
    expect(pageErrors).toEqual([]);
  });

  test('finance redeems credited points on screen; the ledger has it, and more than the balance is refused in plain words', { timeout: 150_000 }, async () => {
    type PartnerPage = { partner: { id: string }; points: { balance: number; entries: { kind: string; points: number }[] } };
    type Reward = { id: string; name: string; points: number | null };
    const partnerPage = async (id: string) =>
      (await apiCall<PartnerPage>('GET', `/quarters/${Q1}/partners/${encodeURIComponent(id)}`, financeToken)).body;
    const { quarter, rewards } = (await apiCall<{ quarter: string; rewards: Reward[] }>('GET', '/rewards', financeToken)).body;
    const priced = rewards.filter((r): r is Reward & { points: number } => r.points !== null).sort((a, b) => a.points - b.points);
    // The sample quarter credits no partner enough for the cheapest reward of the sample catalog, so
    // kvant corrects its report again: RU100107 bought 150 more Latitudes, whose points a correction
    // of a closed quarter credits.
    const kvantToken = await rebates('token', '--role', 'distributor', '--distributor', 'kvant', '--sub', 'dist-kvant', '--state', stateDir);
    const lines = (await readFile(join(ROOT, 'samples', 'data', 'reports', 'kvant', 'kvant-sellout-2016Q1.csv'), 'utf8')).split('\n');
    const cells = lines[5]!.split(',');
    expect(cells[3]).toBe('RU100107');
    cells[7] = String(Number(cells[7]) + 2 + 150);
    lines[5] = cells.join(',');
    const target = await apiCall<{ url: string }>('POST', '/uploads', kvantToken, { name: 'kvant-sellout-2016Q1.csv' });
    expect((await fetch(target.body.url, { method: 'PUT', body: lines.join('\n') })).status).toBe(200);
    await expect
      .poll(async () => (await partnerPage('RU100107')).points.balance, { timeout: OUTCOME_MS, interval: 500 })
      .toBeGreaterThanOrEqual(priced[0]!.points);
    const ids = [...new Set(closed.lines.map((l) => l.partnerId))];
    const pages = await Promise.all(ids.map(partnerPage));
    const rich = pages.sort((a, b) => b.points.balance - a.points.balance)[0]!;
    // The dearest reward the richest partner can afford, so that another is then out of reach.
    const reward = priced.filter((r) => r.points <= rich.points.balance).at(-1);
    expect(reward, `a reward within ${rich.partner.id}'s ${rich.points.balance} credited points`).toBeDefined();
    const left = rich.points.balance - reward!.points;
    const dear = priced.find((r) => r.points > left)!;
    expect(dear).toBeDefined();
    const int = (n: number) => new Intl.NumberFormat('en-US').format(n);

    await openAs(page, base, { token: financeToken, quarter: Q1 }, `#/partner/${Q1}/${encodeURIComponent(rich.partner.id)}`);
    const form = page.locator('form.redeem');
    await explained(page, 'redeem-form', () => form.waitFor({ timeout: OUTCOME_MS }));
    await form.getByLabel('Reward').selectOption(reward!.id);
    await form.getByRole('button', { name: 'Redeem' }).click();
    await explained(page, 'redeemed', () =>
      expect
        .poll(() => textNow(page.locator('main p.message.info').first()), { timeout: OUTCOME_MS })
        .toBe(`Redeemed. Balance now: ${int(left)} points.`),
    );
    // The ledger, as the API reads it, has the redemption and the lower balance.
    const after = await partnerPage(rich.partner.id);
    expect(after.points.balance).toBe(left);
    expect(after.points.entries).toHaveLength(rich.points.entries.length + 1);
    expect(after.points.entries.filter((e) => e.kind === 'redeem' && e.points === -reward!.points)).toHaveLength(
      rich.points.entries.filter((e) => e.kind === 'redeem' && e.points === -reward!.points).length + 1,
    );

    // More than the balance: the API's refusal (nothing spent) is what the page says.
    const refused = await apiCall<{ error: { message: string } }>('POST', `/partners/${encodeURIComponent(rich.partner.id)}/redemptions`, financeToken, {
      rewardId: dear.id,
      quarter,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`${int(left)} points`);
    await form.getByLabel('Reward').selectOption(dear.id);
    await form.getByRole('button', { name: 'Redeem' }).click();
    await explained(page, 'redeem-refused', () =>
      expect
        .poll(() => textNow(page.locator('main p.message.error').first()), { timeout: OUTCOME_MS })
        .toContain(squash(refused.body.error.message)),
    );
    expect((await partnerPage(rich.partner.id)).points.balance).toBe(left);
    expect(pageErrors).toEqual([]);
  });

  test('the audit filters on screen show what the API returns for the same filter', { timeout: 150_000 }, async () => {
    type Entry = { actor: { sub: string }; target: string; targetText?: string; comment?: string; partners: string[] };
    const audit = async (filter: Record<string, string>) => {
      const res = await apiCall<{ entries: Entry[] }>('GET', `/audit?${new URLSearchParams(filter).toString()}`, financeToken);
      expect(res.status).toBe(200);
      return res.body.entries;
    };
    // What an entry is about: in the reader's language where the API words it so.
    const rowsOf = (entries: Entry[]) =>
      entries.map((e) => `${e.actor.sub} | ${squash((e.targetText ?? e.target) + (e.comment ? ` — ${e.comment}` : ''))}`);
    const all = (await apiCall<{ entries: Entry[] }>('GET', '/audit', financeToken)).body.entries;
    // The redemption above is the audit's entry about a partner.
    const partner = all.flatMap((e) => e.partners)[0];
    expect(partner, 'an audit entry about a partner').toBeDefined();
    const everything = rowsOf(await audit({}));

    await openAs(page, base, { token: financeToken }, '#/audit');
    const shown = () =>
      page.locator('table.audit tbody tr').evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    const filters: Record<string, string>[] = [{ quarter: Q1 }, { partner: partner! }, { actor: 'fin-anna' }, { quarter: Q1, actor: closer }];
    for (const filter of filters) {
      const entries = await audit(filter);
      const expected = rowsOf(entries);
      // A filter that keeps nothing or everything would not show that the page applies it.
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(expected, JSON.stringify(filter)).not.toEqual(everything);
      await page.locator('#audit-quarter').selectOption(filter.quarter ?? '');
      await page.locator('#audit-partner').fill(filter.partner ?? '');
      await page.locator('#audit-actor').fill(filter.actor ?? '');
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await explained(page, 'audit-filtered', () =>
        expect
          .poll(
            async () =>
              // "Who" is the user then their role in words: the user is checked, the role is the page's.
              (await shown()).map((cells, i) => {
                const who = squash(cells[1] ?? '');
                const sub = entries[i]?.actor.sub ?? '';
                return `${who.startsWith(`${sub} (`) ? sub : who} | ${squash(cells[3] ?? '')}`;
              }),
            { timeout: OUTCOME_MS },
          )
          .toEqual(expected),
      );
      // The filter is in the address, so the filtered view can be shared.
      expect(new URLSearchParams(new URL(page.url()).hash.replace(/^#\/audit\/?/, '')).toString()).toBe(
        new URLSearchParams(filter).toString(),
      );
    }
    expect(pageErrors).toEqual([]);
  });
});
