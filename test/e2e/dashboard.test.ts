/**
 * The dashboard end to end: `rebates up` on the sample data folder (the real pipeline, API server
 * and dashboard, as a user starts them), a manager's token from `rebates token`, and Debian's
 * Chromium driven by playwright-core. Expectations come from samples/data/partners.csv and from the
 * API as finance sees it, never from the dashboard's own code. The last test gives the page the
 * config.json and security headers of AWS and signs in through a stand-in for Cognito's hosted
 * pages (test/api/fake-cognito.ts) that hands out the same dev tokens.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, requireJdkInCI } from '../support/ci.js';
import { browserTestsCanRun, freePort, launchChromium, rebates, ROOT, startUp, tearDown } from '../support/rebates-up.js';
import { devTokenSecret } from '../../local/api-server.js';
import { signDevToken } from '../../shared/auth/dev-token.js';
import { startFakeCognito } from '../api/fake-cognito.js';
import { explained, OUTCOME_MS, textNow } from '../support/explain.js';

const SCREENSHOT = join(ROOT, 'test', '.artifacts', 'dashboard-partner.png');
const shot = (view: string) => join(ROOT, 'test', '.artifacts', `dashboard-${view}.png`);
const QUARTER = '2016-Q1';
const REGIONS = ['Central', 'Volga'];
const CLIENT_ID = 'dashboard-client';
const storedToken = (tab: Page) => tab.evaluate<string | null>("sessionStorage.getItem('rebates.token')");

/** The Content-Security-Policy CloudFront adds (infra/dashboard.ts), with the sign-in pages at `signIn`. */
const awsCsp = (signIn: string) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${signIn}`,
    `form-action 'self' ${signIn}`,
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

interface PartnerRow {
  partner_id: string;
  name: string;
  region: string;
}
interface LineJson {
  partnerId: string;
  program: string;
  amount: string;
  explanation: { text: string; reason: string | null };
}
interface PartnerJson {
  partner: { id: string; name: string };
  lines: LineJson[];
  progress: { program: string; units: number }[];
  total: string;
}

interface ExceptionJson {
  description: string;
  example: { reportId: string; line: number };
}
interface ReportJson {
  reportId: string;
  distributorId: string;
  name: string;
  computed: { counted: number; held: number } | null;
}
interface HeldJson {
  lines: number[];
  message: string;
}

/** Spaces as Intl writes them (no-break, narrow no-break) and as the page shows them are the same here. */
const squash = (s: string | null) => (s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const rub = (locale: string, amount: string) =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'RUB',
    currencyDisplay: locale === 'ru-RU' ? 'symbol' : 'code',
  }).format(amount as `${number}`);

// In CI a missing Chromium fails the file here instead of skipping it.
const hasChromium = browserTestsCanRun('dashboard e2e');

describe.skipIf(!hasChromium)(
  `dashboard in Chromium against "rebates up" (skipped only when ${CHROMIUM} is absent, never in CI)`,
  () => {
    let stateDir: string;
    let stack: ChildProcess | undefined;
    let base: string;
    let context: BrowserContext | undefined;
    let page: Page;
    const pageErrors: string[] = [];
    let partners: PartnerRow[];
    let financeLines: LineJson[];
    let managerToken: string;
    let financeToken: string;
    let profileDir: string | undefined;

    const apiGet = async <T>(path: string, token: string, lang = 'en'): Promise<T> => {
      const res = await fetch(`${base}/api${path}`, {
        headers: { Authorization: `Bearer ${token}`, 'Accept-Language': lang },
      });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    beforeAll(async () => {
      requireJdkInCI(); // `rebates up` starts DynamoDB Local
      const csv = Papa.parse<PartnerRow>(
        await readFile(join(ROOT, 'samples', 'data', 'partners.csv'), 'utf8'),
        { header: true, skipEmptyLines: true },
      );
      partners = csv.data;
      for (const r of REGIONS)
        expect(
          partners.some((p) => p.region === r),
          `partners.csv has partners in ${r}`,
        ).toBe(true);

      stateDir = await mkdtemp(join(tmpdir(), 'rebates-e2e-'));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      stack = await startUp(port, stateDir);

      managerToken = await rebates(
        'token',
        '--role',
        'manager',
        '--regions',
        REGIONS.join(','),
        '--state',
        stateDir,
      );
      financeToken = await rebates('token', '--role', 'finance', '--state', stateDir);
      financeLines = (await apiGet<{ lines: LineJson[] }>(`/quarters/${QUARTER}/payouts`, financeToken))
        .lines;

      ({ context, page, profileDir } = await launchChromium('rebates-e2e-chromium-', pageErrors));
    }, 300_000);

    afterAll(() => tearDown(context, stack, stateDir, profileDir), 60_000);

    test('a token that is not accepted leaves you on the login page with a plain message', async () => {
      await page.goto(`${base}/`);
      await page.getByLabel('Access token').waitFor();
      // Before logging in the header offers the language switch and nothing else.
      expect(squash(await page.locator('header').innerText())).toBe('Rebate program RU EN');
      // The tab is titled in the page's language.
      expect(await page.title()).toBe('Rebate program');
      await mkdir(join(ROOT, 'test', '.artifacts'), { recursive: true });
      await page.screenshot({ path: shot('login'), fullPage: true });
      await page.getByLabel('Access token').fill('not-a-token');
      await page.getByRole('button', { name: 'Log in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(squash(await alert.textContent())).toContain('The token was not accepted');
      await page.getByLabel('Access token').waitFor();
    });

    test('a manager sees only the partners of the territory, opens one, and reads it in Russian', async () => {
      await page.goto(`${base}/`);
      await page.getByLabel('Access token').fill(managerToken);
      await page.getByRole('button', { name: 'Log in' }).click();
      const header = page.locator('header');
      await header.getByText('Partner manager').waitFor();
      expect(squash(await header.textContent())).toContain(`Territory: ${REGIONS.join(', ')}`);

      await page.getByLabel('Quarter').selectOption(QUARTER);
      await page.getByRole('heading', { level: 1, name: `Quarter ${QUARTER}` }).waitFor();
      const rows = page.locator('table.partners tbody tr');
      await rows.first().waitFor();

      // The list is exactly the partners with payouts (as finance sees them) whose region in partners.csv is in the territory.
      const regionOf = new Map(partners.map((p) => [p.partner_id, p.region]));
      const allWithPayouts = [...new Set(financeLines.map((l) => l.partnerId))];
      const expected = allWithPayouts.filter((id) => REGIONS.includes(regionOf.get(id) ?? '')).sort();
      expect(expected.length).toBeGreaterThan(1);
      expect(allWithPayouts.length).toBeGreaterThan(expected.length); // someone outside the territory exists to be hidden
      const listed = (await rows.locator('td:first-child').allTextContents()).map((s) => s.trim());
      expect([...listed].sort()).toEqual(expected);
      for (const id of listed) expect(REGIONS).toContain(regionOf.get(id));

      const territoryTotal = financeLines
        .filter((l) => expected.includes(l.partnerId))
        .reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
      expect(squash(await page.locator('.figures').textContent())).toContain(
        squash(rub('en-US', territoryTotal.toFixed(2))),
      );

      // A partner with a line that pays nothing, so the reason shows as well as the explanation.
      const chosen =
        expected.find((id) => financeLines.some((l) => l.partnerId === id && l.explanation.reason)) ??
        expected[0]!;
      const detail = await apiGet<PartnerJson>(`/quarters/${QUARTER}/partners/${chosen}`, managerToken);
      await page.locator('table.partners').getByRole('link', { name: chosen, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: detail.partner.name }).waitFor();

      const lineRows = page.locator('table.lines tbody tr');
      await expect.poll(() => lineRows.count()).toBe(detail.lines.length);
      const shown = squash(await page.locator('table.lines').textContent());
      for (const line of detail.lines) expect(shown).toContain(squash(line.explanation.text));

      const progress = detail.progress[0]!;
      const bar = page.getByRole('progressbar', { name: progress.program });
      await bar.waitFor();
      expect(await bar.getAttribute('aria-valuetext')).toContain(`${progress.units}`);
      expect(Number(await bar.getAttribute('aria-valuenow'))).toBe(
        Math.min(progress.units, Number(await bar.getAttribute('aria-valuemax'))),
      );

      await page.getByRole('button', { name: 'RU', exact: true }).click();
      await page.getByRole('heading', { level: 2, name: 'Строки выплат' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Выполнение плана' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('ru');
      expect(squash(await page.locator('.figures').textContent())).toContain(
        squash(rub('ru-RU', detail.total)),
      );
      expect(squash(await page.locator('table.lines thead').textContent())).toContain('Пояснение');
      // The explanations come from the server in the page's language.
      const inRussian = await apiGet<PartnerJson>(`/quarters/${QUARTER}/partners/${chosen}`, managerToken, 'ru');
      const shownRu = squash(await page.locator('table.lines').textContent());
      for (const line of inRussian.lines) {
        expect(line.explanation.text).toMatch(/[А-Яа-яЁё]/);
        expect(shownRu).toContain(squash(line.explanation.text));
      }

      await mkdir(join(ROOT, 'test', '.artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // The language is remembered and the session survives a reload.
      await page.reload();
      await page.getByRole('heading', { level: 2, name: 'Строки выплат' }).waitFor();
    });

    test('a partner outside the territory is, to the manager, no partner at all: nothing of it shown', async () => {
      const outside = partners.find(
        (p) => !REGIONS.includes(p.region) && financeLines.some((l) => l.partnerId === p.partner_id),
      )!;
      await page.goto(`${base}/#/partner/${QUARTER}/${outside.partner_id}`);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      // The API's own Russian sentence, the same as for a partner that does not exist (issue #15: no
      // English on a Russian page), naming the manager's territory and nothing of the partner's.
      const said = async (id: string) => {
        const res = await fetch(`${base}/api/quarters/${QUARTER}/partners/${id}`, {
          headers: { Authorization: `Bearer ${managerToken}`, 'Accept-Language': 'ru' },
        });
        expect(res.status).toBe(404);
        return ((await res.json()) as { error: { message: string } }).error.message;
      };
      const message = await said(outside.partner_id);
      expect(message.replace(outside.partner_id, 'ID')).toBe((await said('RU999999')).replace('RU999999', 'ID'));
      expect(message).toMatch(/[А-Яа-яЁё]/);
      expect(squash(await alert.textContent())).toBe(squash(`Не найдено: ${message}`));
      expect(squash(await alert.textContent())).not.toContain(outside.region);
      expect(await page.locator('table.lines').count()).toBe(0);
      expect(await page.getByText(outside.name).count()).toBe(0);
    });

    test('finance logs in after the manager logs out, exports the quarter and asks to close it', async () => {
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'Выйти' }).click();
      await page.getByRole('button', { name: 'EN', exact: true }).click();
      await page.getByLabel('Access token').fill(financeToken);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: `Quarter ${QUARTER}` }).waitFor();

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Export CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`payouts-${QUARTER}.csv`);
      const exported = Papa.parse<Record<string, string>>(await readFile((await download.path())!, 'utf8'), {
        header: true,
        skipEmptyLines: true,
      }).data;
      expect(exported).toHaveLength(financeLines.length);

      await page.getByRole('button', { name: 'Close quarter…' }).click();
      const dialog = page.getByRole('dialog', { name: `Close quarter ${QUARTER}?` });
      await dialog.waitFor();
      expect(squash(await dialog.textContent())).toContain('Another finance user must approve the close');
      await dialog.getByRole('button', { name: `Close ${QUARTER}` }).click();
      const total = financeLines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0)).toFixed(2);
      const note = page.getByRole('status').filter({ hasText: `Close of ${QUARTER} requested` });
      await note.waitFor();
      expect(squash(await note.textContent())).toContain(`(total ${squash(rub('en-US', total))})`);
      // The page offers no second request while this one waits.
      expect(await page.getByRole('button', { name: 'Close quarter…' }).count()).toBe(0);
      expect(squash(await page.locator('main').textContent())).toContain(
        'Close asked for by local-finance',
      );
      // One person's request closes nothing.
      const { quarters } = await apiGet<{ quarters: { quarter: string; status: string }[] }>(
        '/quarters',
        financeToken,
      );
      expect(quarters.find((q) => q.quarter === QUARTER)?.status).toBe('open');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
      const request = page.getByRole('article', { name: `Close quarter ${QUARTER}` });
      await request.waitFor();
      expect(squash(await request.textContent())).toContain('You asked for this; another user must decide it.');
      expect(await request.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    });

    test('a second finance user approves the close on screen, and the audit page lists both steps', async () => {
      const checker = await rebates('token', '--role', 'finance', '--sub', 'fin-checker', '--state', stateDir);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByLabel('Access token').fill(checker);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: `Quarter ${QUARTER}` }).waitFor();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
      const request = page.getByRole('article', { name: `Close quarter ${QUARTER}` });
      await request.waitFor();
      expect(squash(await request.textContent())).toContain('Asked by local-finance (Finance)');
      await page.screenshot({ path: shot('approvals'), fullPage: true });
      await request.getByRole('button', { name: 'Approve' }).click();
      // The approval's own work (a close's snapshot, a change written) is done in the request; a close's
      // points are credited by the computation it requests.
      await explained(page, 'dashboard-close-approved', () => page.getByRole('status').filter({ hasText: 'Approved.' }).waitFor());
      const decided = page.getByRole('article', { name: `Close quarter ${QUARTER}` });
      expect(squash(await decided.textContent())).toContain('Approved by fin-checker (Finance)');
      const { quarters } = await apiGet<{ quarters: { quarter: string; status: string }[] }>(
        '/quarters',
        financeToken,
      );
      expect(quarters.find((q) => q.quarter === QUARTER)?.status).toBe('closed');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quarter', exact: true }).click();
      // Polled: right after the click the Approvals heading can still be the one on the page.
      await explained(page, 'dashboard-overview-after-approval', () =>
        expect.poll(() => textNow(page.getByRole('heading', { level: 1 }))).toBe(`Quarter ${QUARTER} closed`),
      );
      expect(await page.getByRole('button', { name: 'Close quarter…' }).count()).toBe(0);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
      const rows = page.locator('main table.audit tbody tr');
      await expect.poll(() => rows.count()).toBeGreaterThan(1);
      const shown = squash(await page.locator('main table.audit').textContent());
      expect(shown).toContain('fin-checker (Finance)close approved');
      expect(shown).toContain('local-finance (Finance)close requested');
      expect(shown).toContain('local-finance (Finance)export downloaded');
      await page.screenshot({ path: shot('audit'), fullPage: true });

      await page.getByLabel('User').fill('fin-checker');
      await page.getByRole('button', { name: 'Show' }).click();
      await expect.poll(() => rows.count()).toBe(1);
      expect(squash(await rows.first().textContent())).toContain('close approved');
    });

    test('a backdated acceptance on the closed quarter waits with its RUB effect until finance approves it on screen', async () => {
      // RU100112 accepted at the deadline instant (pays nothing); a program manager backdates it.
      const programToken = await rebates('token', '--role', 'program', '--sub', 'prog-e2e', '--state', stateDir);
      const put = await fetch(`${base}/api/reference/acceptances`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${programToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          rows: [{ partnerId: 'RU100112', program: 'client', plan: null, acceptedAt: '2016-03-31T12:00:00+03:00' }],
        }),
      });
      expect(put.status).toBe(202);
      // Answered before its effect is known: the compute function checks it against the closed quarter.
      const { change } = (await put.json()) as { change: { id: string; status: string } };
      expect(change.status).toBe('evaluating');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
      // The page refreshes by itself until the change leaves `evaluating`: the compute function's
      // evaluation against the closed quarter, which a loaded machine takes long to run.
      const request = page.getByRole('article', { name: `Change of acceptances of RU100112 affecting closed ${QUARTER}` });
      await explained(page, 'dashboard-change-evaluated', () => request.waitFor({ timeout: OUTCOME_MS }));
      type Shown = { id: string; status: string; effect: { totalRub: string; partners: { partnerId: string }[] } };
      const { approvals } = await apiGet<{ approvals: Shown[] }>('/approvals', programToken);
      const approval = approvals.find((a) => a.id === change.id)!;
      expect(approval.status).toBe('pending');
      expect(approval.effect.partners.map((p) => p.partnerId)).toEqual(['RU100112']);
      expect(new Decimal(approval.effect.totalRub).isPositive()).toBe(true);
      const text = squash(await request.textContent());
      expect(text).toContain('Asked by prog-e2e (Program manager)');
      expect(text).toContain(`Effect on payouts: ${squash(rub('en-US', approval.effect.totalRub))}`);
      expect(text).toContain('RU100112');
      // The rows sent are labelled fields, codes by their names, not JSON.
      await request.getByText('The rows sent (1)').click();
      const sent = squash(await request.locator('table.reference-rows').textContent());
      expect(sent).toContain('PartnerProgramPlan, unitsAccepted');
      expect(sent).toContain('RU100112Client systemsnone chosen');
      expect(sent).not.toMatch(/[{}"]/);
      await page.screenshot({ path: shot('approvals-change'), fullPage: true });
      await request.getByRole('button', { name: 'Approve' }).click();
      await explained(page, 'dashboard-change-approved', () => page.getByRole('status').filter({ hasText: 'Approved.' }).waitFor());

      // The closed quarter keeps its figures; the next open one books the difference.
      const payouts = async (q: string) =>
        apiGet<{ total: string; lines: { amount: string }[] }>(`/quarters/${q}/payouts?partner=RU100112`, financeToken);
      expect((await payouts(QUARTER)).total).toBe('0.00');
      await expect
        .poll(async () => (await payouts('2016-Q2')).total, { timeout: OUTCOME_MS })
        .toBe(approval.effect.totalRub);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
      await page.getByLabel('Partner ID').fill('RU100112');
      await page.getByRole('button', { name: 'Show' }).click();
      const rows = page.locator('main table.audit tbody tr');
      await expect.poll(() => rows.count()).toBe(3);
      const shown = squash(await page.locator('main table.audit').textContent());
      expect(shown).toContain('fin-checker (Finance)change approved');
      expect(shown).toContain('prog-e2e (Program manager)change held for approval');
      expect(shown).toContain('prog-e2e (Program manager)reference data changed');
    }, 240_000);

    test('finance sees the product exceptions of the closed quarter on the workbench as the API gives them', async () => {
      const { exceptions } = await apiGet<{ exceptions: ExceptionJson[] }>(
        `/exceptions?quarter=${QUARTER}`,
        financeToken,
      );
      // The sample data folder has products no rate row takes, held by the computation.
      expect(exceptions.length).toBeGreaterThan(0);
      await page.getByRole('link', { name: 'Exceptions' }).click();
      await page.getByRole('heading', { level: 1, name: 'Exceptions workbench' }).waitFor();
      await page.getByLabel('Quarter').selectOption(QUARTER);
      const main = page.locator('main');
      await expect.poll(async () => squash(await main.textContent())).toContain(squash(exceptions[0]!.description));
      const shown = squash(await main.textContent());
      for (const x of exceptions) {
        expect(shown).toContain(squash(x.description));
        expect(shown).toMatch(new RegExp(`report ${x.example.reportId}, lines [0-9, …]*\\b${x.example.line}\\b`));
      }
      // Finance reads the queue; the fixes are the program's and the managers'.
      expect(await page.locator('details.fix').count()).toBe(0);
    });

    test('a distributor sees its own reports, and the lines of one that the computation holds, with why', async () => {
      const all = await apiGet<{ reports: ReportJson[] }>('/reports', financeToken);
      const chosen = all.reports.find((r) => (r.computed?.held ?? 0) > 0);
      expect(chosen, 'the sample data has a report with held lines').toBeDefined();
      const token = await rebates(
        'token',
        '--role',
        'distributor',
        '--distributor',
        chosen!.distributorId,
        '--state',
        stateDir,
      );
      const own = (await apiGet<{ reports: ReportJson[] }>('/reports', token)).reports;
      const detail = await apiGet<{ held: HeldJson[]; heldLines: number }>(`/reports/${chosen!.reportId}`, token);
      expect(detail.heldLines).toBe(chosen!.computed!.held);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByLabel('Access token').fill(token);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
      const rows = page.locator('table.reports tbody tr');
      await expect.poll(() => rows.count()).toBe(own.length);
      // Its own reports only.
      const distributors = (await rows.locator('td:first-child').allTextContents()).map((d) => d.trim());
      expect(new Set(distributors)).toEqual(new Set([chosen!.distributorId]));

      const row = rows.filter({ hasText: chosen!.name });
      expect(squash(await row.locator('td').nth(7).textContent())).toBe(String(chosen!.computed!.held));
      await row.getByRole('button', { name: `Lines of ${chosen!.name} that do not count` }).click();
      const heldRows = page.locator('table.held-lines tbody tr');
      await expect.poll(() => heldRows.count()).toBe(Math.min(detail.held.length, 100));
      const first = squash(await heldRows.first().textContent());
      expect(first).toContain(String(detail.held[0]!.lines[0]));
      expect(first).toContain(squash(detail.held[0]!.message));
    });

    test('with the AWS config.json it signs in through the hosted pages with PKCE, notices an expired sign-in and signs out there', async () => {
      const redirectUri = `${base}/`;
      const idp = await startFakeCognito({ clientId: CLIENT_ID, redirectUri, idToken: () => managerToken });
      const tab = await context!.newPage();
      const cspViolations: string[] = [];
      try {
        tab.on('pageerror', (err) => pageErrors.push(err.message));
        tab.on(
          'console',
          (m) => void (/Content Security Policy/i.test(m.text()) && cspViolations.push(m.text())),
        );
        await tab.addInitScript("localStorage.setItem('rebates.lang', 'en')");
        // What CloudFront serves in AWS: config.json as infra/stateless-stack.ts writes it, and the CSP.
        await tab.route(`${base}/config.json`, (route) =>
          route.fulfill({
            json: {
              stage: 'dev',
              region: 'eu-central-1',
              apiUrl: `${base}/api`,
              userPoolId: 'eu-central-1_Example',
              clientId: CLIENT_ID,
              signInUrl: idp.origin,
              redirectUri,
              scopes: ['openid', 'email', 'profile'],
              sendToken: 'id',
            },
          }),
        );
        await tab.route(
          (url) => url.origin === base && url.pathname === '/',
          async (route) => {
            const response = await route.fetch();
            await route.fulfill({
              response,
              headers: { ...response.headers(), 'content-security-policy': awsCsp(idp.origin) },
            });
          },
        );
        // Playwright does not route the request an HTTP redirect leads to, so the sign-in pages'
        // redirect back to the dashboard becomes a page that goes there: that load gets the CSP too.
        // A routed page has no network address, so Chromium would refuse its calls to the loopback
        // sign-in service (local network access); in AWS both are public.
        await context!.grantPermissions(['local-network-access'], { origin: base });
        await tab.route(`${idp.origin}/oauth2/authorize?**`, async (route) => {
          const answer = await route.fetch({ maxRedirects: 0 });
          const to = answer.headers().location!.replace(/&/g, '&amp;');
          await route.fulfill({
            contentType: 'text/html',
            body: `<meta http-equiv="refresh" content="0;url=${to}">`,
          });
        });

        await tab.goto(`${base}/`);
        await tab.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
        expect(await tab.getByLabel('Access token').count()).toBe(0);
        await tab.getByRole('button', { name: 'Sign in' }).click();
        await tab.locator('header').getByText('Partner manager').waitFor();
        expect(idp.tokenRequests).toEqual([
          {
            status: 200,
            form: expect.objectContaining({
              grant_type: 'authorization_code',
              client_id: CLIENT_ID,
              redirect_uri: redirectUri,
            }),
          },
        ]);
        expect(new URL(tab.url()).search).toBe(''); // the spent code is gone from the address bar
        expect(await storedToken(tab)).toBe(managerToken);

        // A partner page under the CSP: the progress bar is drawn (no style attributes, which it refuses).
        const regionOf = new Map(partners.map((p) => [p.partner_id, p.region]));
        const own = financeLines.find((l) => REGIONS.includes(regionOf.get(l.partnerId) ?? ''))!.partnerId;
        const detail = await apiGet<PartnerJson>(`/quarters/${QUARTER}/partners/${own}`, managerToken);
        await tab.goto(`${base}/#/partner/${QUARTER}/${own}`);
        await tab.getByRole('heading', { level: 1, name: detail.partner.name }).waitFor();
        // The quarter is closed by now: tier progress is live, so only on the explicit live view.
        await tab.getByRole('button', { name: 'Show pending corrections (live)' }).click();
        const bar = tab.locator('.progress').first();
        const fill = bar.locator('.fill');
        await fill.waitFor();
        const percent = /width: ([\d.]+)%/.exec((await fill.getAttribute('style')) ?? '')?.[1];
        expect(percent).toBeDefined();
        const [fillBox, barBox] = [(await fill.boundingBox())!, (await bar.boundingBox())!];
        expect(Math.abs(fillBox.width - (barBox.width * Number(percent)) / 100)).toBeLessThan(2);

        // An hour later the ID token has run out: the next page goes back to sign-in and says why.
        const expired = signDevToken(
          { sub: 'mgr-e2e', 'cognito:groups': ['manager'], 'custom:regions': REGIONS.join(',') },
          await devTokenSecret(stateDir),
          -60,
        );
        await tab.evaluate(`sessionStorage.setItem('rebates.token', ${JSON.stringify(expired)})`);
        await tab.getByRole('link', { name: 'Reports' }).click();
        const alert = tab.getByRole('alert');
        await alert.waitFor();
        expect(squash(await alert.textContent())).toBe('Your sign-in has expired. Sign in again.');
        expect(await storedToken(tab)).toBeNull();

        // Signing in again (the hosted pages still know the user), then out through the hosted pages.
        await tab.getByRole('button', { name: 'Sign in' }).click();
        await tab.locator('header').getByText('Partner manager').waitFor();
        expect(idp.tokenRequests.map((r) => r.status)).toEqual([200, 200]);
        await tab.getByRole('button', { name: 'Sign out' }).click();
        await tab.getByRole('button', { name: 'Sign in' }).waitFor();
        expect(idp.logouts.map((q) => Object.fromEntries(q))).toEqual([
          { client_id: CLIENT_ID, logout_uri: redirectUri },
        ]);
        expect(await storedToken(tab)).toBeNull();

        // A sign-in answer this tab did not ask for is refused, and its code is never redeemed.
        await tab.goto(`${base}/?code=stolen-code&state=not-mine`);
        const refused = tab.getByRole('alert');
        await refused.waitFor();
        expect(squash(await refused.textContent())).toMatch(
          /^Sign-in did not work: This sign-in answer does not belong/,
        );
        expect(idp.tokenRequests).toHaveLength(2);
        expect(new URL(tab.url()).search).toBe('');

        expect(cspViolations).toEqual([]);
      } finally {
        await tab.close();
        await idp.close();
      }
    });

    test('no script errors on any page', () => {
      expect(pageErrors).toEqual([]);
    });
  },
);
