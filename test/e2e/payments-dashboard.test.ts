/**
 * Payments in the dashboard (issue #14, point 5), end to end: `rebates up` on the sample data
 * folder, 2016-Q1 closed by two finance users, then Debian's Chromium (playwright-core) records a
 * payment on the payments page. What is due comes from the API's frozen lines, and what was
 * recorded is read back through the API (`GET /payments`) and the export, never from the
 * dashboard's own code. Also: the form refuses bad values and says the API's refusal in plain words,
 * fits a 390 px screen, and the Russian page carries no English label. Screenshots go to test/.artifacts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireJdkInCI } from '../support/ci.js';
import { apiCaller, englishLabelWords, narrowOffenders, startStack, type ApiCall } from '../support/page-checks.js';
import { browserTestsCanRun, launchChromium, rebates, ROOT, tearDown } from '../support/rebates-up.js';
import { openAs } from '../support/open-as.js';
import { explained, OUTCOME_MS, textNow } from '../support/explain.js';

const Q1 = '2016-Q1';
const ARTIFACTS = join(ROOT, 'test', '.artifacts');
const squash = (s: string | null) => (s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const rub = (amount: string) =>
  squash(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'RUB', currencyDisplay: 'code' }).format(amount as `${number}`));

type Labels = Record<'en' | 'ru', Record<string, string>>;
const { STRINGS, REASONS } = (await import(join(ROOT, 'web', 'js', 'labels.js'))) as { STRINGS: Labels; REASONS: Labels };

interface Line {
  partnerId: string;
  distributorId: string;
  amount: string;
}
interface Payments {
  payments: { partnerId: string; distributorId: string; date: string; reference: string; amount: string; recordedBy: string }[];
  total: string;
}

const hasChromium = browserTestsCanRun('payments dashboard e2e');

describe.skipIf(!hasChromium)('payments recorded on screen (Chromium against "rebates up")', { timeout: 150_000 }, () => {
  let stateDir: string;
  let stack: ChildProcess | undefined;
  let base: string;
  let context: BrowserContext | undefined;
  let page: Page;
  let profileDir: string | undefined;
  let financeToken: string;
  /** Partner × distributor pairs of the frozen lines that are due something, with what. */
  let due: Map<string, Decimal>;
  let apiCall: ApiCall;
  const pageErrors: string[] = [];

  const open = (hash: string, lang: 'en' | 'ru' = 'en') => openAs(page, base, { token: financeToken, lang }, hash);

  beforeAll(async () => {
    requireJdkInCI();
    ({ stateDir, base, stack } = await startStack('rebates-e2e-payments-'));
    apiCall = apiCaller(base);
    financeToken = await rebates('token', '--role', 'finance', '--sub', 'fin-anna', '--state', stateDir);
    const close = await apiCall<{ approval: { id: string } }>('POST', `/quarters/${Q1}/close`, financeToken);
    expect(close.status).toBe(202);
    const other = await rebates('token', '--role', 'finance', '--sub', 'fin-boris', '--state', stateDir);
    expect((await apiCall('POST', `/approvals/${close.body.approval.id}/approve`, other)).status).toBe(200);
    const frozen = await apiCall<{ status: string; lines: Line[] }>('GET', `/quarters/${Q1}/payouts`, financeToken);
    expect(frozen.body.status).toBe('closed');
    due = new Map();
    for (const l of frozen.body.lines) {
      const k = `${l.partnerId} ${l.distributorId}`;
      due.set(k, (due.get(k) ?? new Decimal(0)).plus(l.amount));
    }
    for (const [k, d] of due) if (!d.gt(0)) due.delete(k);
    expect(due.size).toBeGreaterThan(1);
    ({ context, page, profileDir } = await launchChromium('rebates-e2e-payments-chromium-', pageErrors));
    await mkdir(ARTIFACTS, { recursive: true });
  }, 300_000);

  afterAll(() => tearDown(context, stack, stateDir, profileDir), 60_000);

  test('finance records a payment on screen; the API and the export have it, with who recorded it', async () => {
    await open(`#/payments/${Q1}`);
    await page.getByRole('heading', { level: 1, name: 'Payments' }).waitFor();
    const options = page.locator('#pay-pair option');
    // Every pair due something is offered, none paid yet.
    expect(await options.count()).toBe(due.size);
    const [partnerId, distributorId] = [...due.keys()].at(-1)!.split(' ') as [string, string];
    const amount = due.get(`${partnerId} ${distributorId}`)!.toFixed(2);
    const index = (await options.allTextContents()).findIndex((o) => o.startsWith(`${partnerId} `) && o.includes(`· ${distributorId}:`));
    expect(index).toBeGreaterThanOrEqual(0);
    await page.getByLabel('Partner and distributor (unpaid first)').selectOption({ index });
    // The amount due is prefilled, as the API computes it.
    expect(await page.getByLabel('Amount, RUB').inputValue()).toBe(amount);
    expect(squash(await page.locator('#pay-pair-help').textContent())).toBe(`Due ${rub(amount)}, paid ${rub('0.00')}, outstanding ${rub(amount)}.`);

    const form = page.locator('form.payment');
    const payments = async () => (await apiCall<Payments>('GET', `/payments?quarter=${Q1}`, financeToken)).body;
    await page.getByLabel('Payment date').fill('2016-05-10');
    await page.getByLabel('Reference').fill('PP-2016-0510');
    // Bad values are refused before anything is sent.
    for (const [bad, says] of [
      ['12.345', STRINGS.en.payBadAmount!],
      ['0', STRINGS.en.payZeroAmount!],
      ['1e3', STRINGS.en.payBadAmount!],
    ] as const) {
      await page.getByLabel('Amount, RUB').fill(bad);
      await page.getByRole('button', { name: 'Record the payment' }).click();
      await form.getByRole('alert').filter({ hasText: says }).waitFor();
    }
    expect((await payments()).payments).toEqual([]);

    // The API's own refusal is shown in its words: the request goes out naming a distributor the
    // registry does not have (changed on the way, as a tampered or stale page would send it).
    await page.getByLabel('Amount, RUB').fill(amount);
    await page.route('**/api/payments', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, string>;
      await route.continue({ postData: JSON.stringify({ ...body, distributorId: 'no-such-dist' }) });
    });
    await page.getByRole('button', { name: 'Record the payment' }).click();
    await form.getByRole('alert').filter({ hasText: 'There is no distributor no-such-dist in the registry.' }).waitFor();
    await page.unroute('**/api/payments');
    expect((await payments()).payments).toEqual([]);

    await page.getByRole('button', { name: 'Record the payment' }).click();
    const said = `Recorded: ${rub(amount)} paid to ${partnerId} through ${distributorId} for ${Q1}.`;
    await expect.poll(async () => squash(await page.locator('main p.message.info').first().textContent().catch(() => '')), { timeout: 30_000 }).toContain(said);
    const recorded = await payments();
    expect(recorded.payments).toEqual([
      expect.objectContaining({ partnerId, distributorId, date: '2016-05-10', reference: 'PP-2016-0510', amount, recordedBy: 'finance fin-anna' }),
    ]);
    expect(recorded.total).toBe(amount);

    // The list shows it with who recorded it; the pair is now paid in full and comes after the unpaid.
    const row = squash(await page.locator('table.payments-table tbody tr').first().textContent());
    expect(row).toContain('PP-2016-0510');
    expect(row).toContain(rub(amount));
    expect(row).toContain('fin-anna (Finance)');
    const after = await options.allTextContents();
    expect(after.at(-1)).toContain(`${partnerId} `);
    expect(after.at(-1)).toContain('paid in full');

    // The export marks that partner × distributor's lines as paid, and only them.
    const csv = await apiCall<null>('GET', `/quarters/${Q1}/export?format=csv`, financeToken);
    const rows = Papa.parse<Record<string, string>>(csv.text, { header: true, skipEmptyLines: true }).data;
    const paid = rows.filter((r) => r.payment_reference);
    expect(paid.length).toBeGreaterThan(0);
    for (const r of paid) expect(r).toMatchObject({ partner_id: partnerId, distributor_id: distributorId, payment_date: '2016-05-10', payment_reference: 'PP-2016-0510' });
    expect(rows.filter((r) => r.partner_id === partnerId && r.distributor_id === distributorId).length).toBe(paid.length);
    await page.screenshot({ path: join(ARTIFACTS, 'payments.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  test('more than is outstanding is asked about in plain words, recorded only once confirmed', async () => {
    await open(`#/payments/${Q1}`);
    await page.getByRole('heading', { level: 1, name: 'Payments' }).waitFor();
    const payments = async () => (await apiCall<Payments>('GET', `/payments?quarter=${Q1}`, financeToken)).body;
    const before = (await payments()).payments;
    const paidOf = (partnerId: string, distributorId: string) =>
      before.filter((p) => p.partnerId === partnerId && p.distributorId === distributorId).reduce((sum, p) => sum.plus(p.amount), new Decimal(0));
    const options = await page.locator('#pay-pair option').allTextContents();
    const pairOf = (text: string) => {
      const m = /^(\S+) .* · ([^:·]+): /.exec(text)!;
      return [m[1]!, m[2]!] as const;
    };
    const warning = page.locator('form.payment .overpayment');
    const form = page.locator('form.payment');
    await page.getByLabel('Payment date').fill('2016-05-11');
    await page.getByLabel('Reference').fill('PP-2016-0511');

    // A pair the first test paid in full: everything would be an overpayment.
    const full = options.findIndex((o) => o.includes('paid in full'));
    expect(full).toBeGreaterThanOrEqual(0);
    const [fullPartner, fullDistributor] = pairOf(options[full]!);
    await page.getByLabel('Partner and distributor (unpaid first)').selectOption({ index: full });
    await page.getByLabel('Amount, RUB').fill('10.00');
    await page.getByRole('button', { name: 'Record the payment' }).click();
    await warning.waitFor();
    const paid = paidOf(fullPartner, fullDistributor).toFixed(2);
    expect(squash(await warning.locator('p').first().textContent())).toBe(
      `${fullPartner} through ${fullDistributor} is already paid in full (${rub(paid)} of ${rub(due.get(`${fullPartner} ${fullDistributor}`)!.toFixed(2))} due): all of ${rub('10.00')} would be an overpayment.`,
    );
    await page.getByRole('button', { name: 'No, change the amount' }).click();
    await warning.waitFor({ state: 'detached' });
    expect(await page.evaluate(`document.activeElement?.id`)).toBe('pay-amount');
    expect((await payments()).payments).toEqual(before);

    // An unpaid pair, 100 roubles more than it is owed: asked, and recorded once confirmed.
    const [partnerId, distributorId] = pairOf(options[0]!);
    const outstanding = due.get(`${partnerId} ${distributorId}`)!.minus(paidOf(partnerId, distributorId));
    expect(outstanding.gt(0)).toBe(true);
    const amount = outstanding.plus(100).toFixed(2);
    await page.getByLabel('Partner and distributor (unpaid first)').selectOption({ index: 0 });
    await page.getByLabel('Amount, RUB').fill(amount);
    await page.getByRole('button', { name: 'Record the payment' }).click();
    await warning.waitFor();
    const said = squash(await warning.textContent());
    expect(said).toContain(`${rub(amount)} is ${rub('100.00')} more than the ${rub(outstanding.toFixed(2))} still outstanding to ${partnerId} through ${distributorId}`);
    expect(said).toContain('Record it anyway?');
    expect(await form.getByRole('alert').count()).toBe(1);
    expect((await payments()).payments).toEqual(before);

    await page.getByRole('button', { name: `Yes, record ${rub(amount)}` }).click();
    const recordedSaid = `Recorded: ${rub(amount)} paid to ${partnerId} through ${distributorId} for ${Q1}.`;
    await expect.poll(async () => squash(await page.locator('main p.message.info').first().textContent().catch(() => '')), { timeout: 30_000 }).toContain(recordedSaid);
    const after = (await payments()).payments;
    expect(after).toHaveLength(before.length + 1);
    expect(after).toContainEqual(
      expect.objectContaining({ partnerId, distributorId, date: '2016-05-11', reference: 'PP-2016-0511', amount, recordedBy: 'finance fin-anna' }),
    );
    expect(pageErrors).toEqual([]);
  });

  test('the list of payments comes a page at a time from the API, searched and sorted there', async () => {
    // Enough payments for a second page (25 a page), made through the API.
    const [partnerId, distributorId] = [...due.keys()][0]!.split(' ') as [string, string];
    for (let i = 0; i < 26; i++) {
      const res = await apiCall('POST', '/payments', financeToken, {
        quarter: Q1, partnerId, distributorId, date: '2016-05-12', reference: `PG-${String(i).padStart(2, '0')}`, amount: `${i + 1}.00`,
      });
      expect(res.status).toBe(201);
    }
    type Listed = Payments & { page: { total: number } };
    const listed = async (query: string) => (await apiCall<Listed>('GET', `/payments?quarter=${Q1}&limit=25&${query}`, financeToken)).body;
    const refs = (p: Payments) => p.payments.map((x) => x.reference);
    const shownRefs = () => page.locator('table.payments-table tbody tr td:nth-child(4)').allTextContents();
    await open(`#/payments/${Q1}`);
    const first = await listed('sort=partner&order=asc&offset=0');
    expect(first.page.total).toBeGreaterThan(25);
    const pager = page.locator('section.payments nav.pager');
    await explained(page, 'payments-pager', () => pager.waitFor({ timeout: OUTCOME_MS }));
    expect(await shownRefs()).toEqual(refs(first));
    expect(await textNow(pager.locator('.pager-status'))).toBe(`1–25 of ${first.page.total}`);
    // Every page's footer is the money of every payment, as the API sums it.
    expect(squash(await page.locator('table.payments-table tfoot').textContent())).toContain(rub(first.total));

    const second = await listed('sort=partner&order=asc&offset=25');
    await pager.getByRole('button', { name: 'Next' }).click();
    await explained(page, 'payments-next-page', () =>
      expect.poll(shownRefs, { timeout: OUTCOME_MS }).toEqual(refs(second)),
    );

    // Largest first, then a search: each asked of the API from the first page.
    await page.getByLabel('Sort').selectOption('amount:desc');
    const largest = await listed('sort=amount&order=desc&offset=0');
    await explained(page, 'payments-sorted', () => expect.poll(shownRefs, { timeout: OUTCOME_MS }).toEqual(refs(largest)));
    await page.getByLabel(STRINGS.en.searchPayments!).fill('pg-07');
    await explained(page, 'payments-searched', () => expect.poll(shownRefs, { timeout: OUTCOME_MS }).toEqual(['PG-07']));
    expect(await pager.count()).toBe(0);
    // Back as it was for the tests after this one.
    await page.getByLabel(STRINGS.en.searchPayments!).fill('');
    await page.getByLabel('Sort').selectOption('partner:asc');
    await explained(page, 'payments-reset', () => pager.waitFor({ timeout: OUTCOME_MS }));
    expect(pageErrors).toEqual([]);
  });

  test('the payments page fits a 390 px screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open(`#/payments/${Q1}`);
    await page.locator('form.payment').waitFor();
    await page.waitForLoadState('networkidle');
    const { width, wide } = await narrowOffenders(page);
    expect(width, `payments at 390 px: ${wide.join(', ')}`).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, 'narrow-payments.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  test('the Russian payments page carries no English label', async () => {
    const english = englishLabelWords(STRINGS, REASONS);
    // Proper names and file types kept in Russian, and the user's own sign-in name.
    const allowed = new Set(['partner', 'advantage', 'csv', 'xlsx', 'excel', 'dell', 'fin', 'anna']);
    await open(`#/payments/${Q1}`, 'ru');
    await page.getByRole('heading', { level: 1, name: 'Выплаты' }).waitFor();
    await page.locator('table.payments-table').waitFor();
    await page.waitForLoadState('networkidle');
    const text = await page.evaluate<string>(
      `document.body.innerText + ' ' + [...document.querySelectorAll('option')].map((o) => o.textContent).join(' ')`,
    );
    const found = (text.match(/[A-Za-z]{3,}/g) ?? []).filter(
      (w) => english.has(w.toLowerCase()) && !allowed.has(w.toLowerCase()) && w !== w.toUpperCase(),
    );
    expect(found).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'ru-payments.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
