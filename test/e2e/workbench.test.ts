/**
 * The watchlist and the exceptions workbench in Chromium (issue #15), as a partner manager of one
 * region, against `rebates up` on the sample data folder. Expectations come from the sample CSVs,
 * the rules file and the payouts as finance reads them from the API, never from the pages' code.
 * A screenshot of each view goes to test/.artifacts/.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireJdkInCI } from '../support/ci.js';
import { explained, OUTCOME_MS } from '../support/explain.js';
import { sampleRules } from '../support/domain-fixtures.js';
import {
  browserTestsCanRun,
  freePort,
  launchChromium,
  rebates,
  ROOT,
  startUp,
  tearDown,
} from '../support/rebates-up.js';

const QUARTER = '2016-Q1';
const REGION = 'Volga';
const ARTIFACTS = join(ROOT, 'test', '.artifacts');
const rules = sampleRules(QUARTER);

interface LineJson {
  partnerId: string;
  program: string;
  rateRow: string;
  units: number;
  paidUnits: number;
  rate: string;
  amount: string;
  explanation: { reason: string | null; missingUnits: number | null };
}

const squash = (s: string | null) => (s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const rub = (amount: Decimal) =>
  squash(
    new Intl.NumberFormat('en-US', { style: 'currency', currency: 'RUB', currencyDisplay: 'code' }).format(
      amount.toFixed(2) as `${number}`,
    ),
  );
const csv = async <T>(name: string) =>
  Papa.parse<T>(await readFile(join(ROOT, 'samples', 'data', name), 'utf8'), {
    header: true,
    skipEmptyLines: true,
  }).data;

const hasChromium = browserTestsCanRun('workbench e2e');

describe.skipIf(!hasChromium)(
  'watchlist and exceptions workbench in Chromium, as a manager of one region',
  () => {
    let stateDir: string;
    let profileDir: string | undefined;
    let stack: ChildProcess | undefined;
    let context: BrowserContext | undefined;
    let page: Page;
    let base: string;
    let managerToken: string;
    let financeToken: string;
    let lines: LineJson[];
    let inRegion: Set<string>;
    const pageErrors: string[] = [];

    const apiGet = async <T>(path: string, token: string): Promise<T> => {
      const res = await fetch(`${base}/api${path}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    beforeAll(async () => {
      requireJdkInCI();
      const partners = await csv<{ partner_id: string; region: string }>('partners.csv');
      inRegion = new Set(partners.filter((p) => p.region === REGION).map((p) => p.partner_id));
      stateDir = await mkdtemp(join(tmpdir(), 'rebates-e2e-wb-'));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      stack = await startUp(port, stateDir);
      managerToken = await rebates('token', '--role', 'manager', '--regions', REGION, '--state', stateDir);
      financeToken = await rebates('token', '--role', 'finance', '--state', stateDir);
      lines = (await apiGet<{ lines: LineJson[] }>(`/quarters/${QUARTER}/payouts`, financeToken)).lines;

      ({ context, page, profileDir } = await launchChromium('rebates-e2e-wb-chromium-', pageErrors));
      await page.addInitScript("localStorage.setItem('rebates.lang', 'en')");
      await mkdir(ARTIFACTS, { recursive: true });
    }, 300_000);

    afterAll(() => tearDown(context, stack, stateDir, profileDir), 60_000);

    test('the overview lists the partner a few units short of its chosen plan, with the RUB the plan would pay', async () => {
      // From the samples: a partner of the region whose chosen plan is not met, at most a fifth short.
      const chosen = new Map(
        (await csv<{ partner_id: string; program: string; plan: string }>('acceptances.csv'))
          .filter((a) => a.plan)
          .map((a) => [`${a.partner_id}/${a.program}`, Number(a.plan)]),
      );
      const short = lines.filter(
        (l) =>
          inRegion.has(l.partnerId) &&
          l.explanation.reason === 'plan-not-met' &&
          l.explanation.missingUnits! * 5 <= chosen.get(`${l.partnerId}/${l.program}`)!,
      );
      const near = [...new Set(short.map((l) => l.partnerId))];
      expect(near).toContain('RU100103'); // 4 units short of plan 150 in the samples
      const partnerId = 'RU100103';
      const plan = chosen.get(`${partnerId}/client`)!;
      const atStake = lines
        .filter((l) => l.partnerId === partnerId && l.program === 'client' && l.units > 0)
        .reduce((sum, l) => sum.plus(rules.rate('client', l.rateRow, plan).times(l.units)), new Decimal(0));

      await page.goto(`${base}/`);
      await page.getByLabel('Access token').fill(managerToken);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('header').getByText('Partner manager').waitFor();
      await page.getByLabel('Quarter').selectOption(QUARTER);
      await page.getByRole('heading', { level: 2, name: 'Within reach of a plan' }).waitFor();
      const rows = page.locator('table.watchlist tbody tr');
      const listed = (await rows.locator('td:first-child').allTextContents()).map((s) => s.trim());
      for (const id of listed) expect(inRegion.has(id)).toBe(true);
      const row = squash(await rows.filter({ hasText: partnerId }).textContent());
      expect(row).toContain(rub(atStake));
      expect(row).toContain(`${plan}`);
      await page.screenshot({ path: join(ARTIFACTS, 'workbench-overview-watchlist.png'), fullPage: true });

      // The same panel in Russian: its labels, and the money as Russian readers write it.
      await page.getByRole('button', { name: 'RU', exact: true }).click();
      await page.getByRole('heading', { level: 2, name: 'Близко к плану' }).waitFor();
      const ruRow = squash(
        await page.locator('table.watchlist tbody tr').filter({ hasText: partnerId }).textContent(),
      );
      expect(ruRow).toContain(
        squash(
          new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB' }).format(
            atStake.toFixed(2) as `${number}`,
          ),
        ),
      );
      expect(squash(await page.locator('table.watchlist thead').textContent())).toContain('Не хватает');
      await page.screenshot({ path: join(ARTIFACTS, 'workbench-overview-watchlist-ru.png'), fullPage: true });
      await page.getByRole('button', { name: 'EN', exact: true }).click();
      await page.getByRole('heading', { level: 2, name: 'Within reach of a plan' }).waitFor();

      // Searched on the server: the list narrows to the partner and comes back when cleared.
      const shownIds = async () =>
        (await page.locator('table.watchlist tbody tr td:first-child').allTextContents()).map((s) => s.trim());
      const search = page.getByLabel('Search the watchlist by partner ID or name');
      await search.fill(partnerId);
      await expect.poll(shownIds, { timeout: OUTCOME_MS }).toEqual([partnerId]);
      await search.fill('');
      await expect.poll(shownIds, { timeout: OUTCOME_MS }).toEqual(listed);
    });

    test('a missing training is recorded on the workbench; the item leaves and the partner is paid for the units', async () => {
      const untrained = lines.filter(
        (l) => inRegion.has(l.partnerId) && l.explanation.reason === 'training-missing',
      );
      expect(untrained.length).toBeGreaterThan(0);
      const partnerId = untrained[0]!.partnerId;
      const mine = untrained.filter((l) => l.partnerId === partnerId);
      const gain = mine.reduce(
        (sum, l) => sum.plus(new Decimal(l.rate).times(l.units - l.paidUnits)),
        new Decimal(0),
      );
      expect(gain.isPositive()).toBe(true);
      const before = await apiGet<{ total: string }>(
        `/quarters/${QUARTER}/partners/${partnerId}`,
        financeToken,
      );

      await page.getByRole('link', { name: 'Exceptions' }).click();
      await page.getByRole('heading', { level: 1, name: 'Exceptions workbench' }).waitFor();
      const group = page.locator('section.wb-group', {
        has: page.getByRole('heading', { level: 2, name: 'training missing' }),
      });
      const item = group.locator('tbody tr').filter({ hasText: partnerId }).first();
      await item.waitFor();
      expect(squash(await item.textContent())).toContain(rub(gain));
      // A group too short for a pager shows nothing in its place.
      expect(squash(await page.locator('main').textContent())).not.toMatch(/\bnull\b/);
      await page.screenshot({ path: join(ARTIFACTS, 'workbench-exceptions.png'), fullPage: true });

      await item.getByText('Record a training').click();
      const courses = item.getByLabel('Course');
      expect(await courses.count()).toBeGreaterThan(0);
      await item.getByLabel('Completed on (Moscow date)').fill('2016-03-15');
      await item.getByRole('button', { name: 'Save and recompute' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `the item of ${partnerId} has left the list` })
        .waitFor({ timeout: 90_000 });
      expect(await group.locator('tbody tr').filter({ hasText: partnerId }).count()).toBe(0);

      const after = await apiGet<{ total: string }>(
        `/quarters/${QUARTER}/partners/${partnerId}`,
        financeToken,
      );
      expect(new Decimal(after.total).minus(before.total).toFixed(2)).toBe(gain.toFixed(2));
      await page.goto(`${base}/#/partner/${QUARTER}/${partnerId}`);
      await page.locator('.figures').waitFor();
      expect(squash(await page.locator('.figures').textContent())).toContain(rub(new Decimal(after.total)));
      await page.screenshot({ path: join(ARTIFACTS, 'workbench-partner-after-fix.png'), fullPage: true });
    }, 120_000);

    test('a program manager maps an unrecognised product and registers an unknown partner on screen', async () => {
      const programToken = await rebates('token', '--role', 'program', '--state', stateDir);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByLabel('Access token').fill(programToken);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('header').getByText('Program manager').waitFor();
      await page.goto(`${base}/#/exceptions/${QUARTER}`);
      await page.getByRole('heading', { level: 1, name: 'Exceptions workbench' }).waitFor();

      // From the samples' orbita report: a cable no rule recognises, and a partner ID the registry lacks.
      const unrecognised = page
        .locator('section.wb-group', {
          has: page.getByRole('heading', { level: 2, name: 'product not recognised' }),
        })
        .locator('tbody tr')
        .filter({ hasText: 'CAB-HDMI-18' });
      await unrecognised.getByText('Map the product to a rate row').click();
      await unrecognised.getByLabel('Program').selectOption('client');
      await unrecognised.getByLabel('Rate row').selectOption('mainstream');
      await unrecognised.getByRole('button', { name: 'Save and recompute' }).click();
      await page.getByRole('status').filter({ hasText: 'has left the list' }).waitFor({ timeout: 90_000 });
      expect(await page.locator('tbody tr').filter({ hasText: 'CAB-HDMI-18' }).count()).toBe(0);

      const unknown = page
        .locator('section.wb-group', {
          has: page.getByRole('heading', { level: 2, name: 'unknown partner' }),
        })
        .locator('tbody tr')
        .filter({ hasText: 'RU199999' });
      await unknown.getByText('Register the partner').click();
      await unknown.getByLabel('Name').fill('ООО «Новый Партнёр»');
      // The region is chosen from the regions the partners file knows, each by its name in the page's language.
      const regions = [...new Set((await csv<{ region: string }>('partners.csv')).map((p) => p.region))].sort();
      const offered = await unknown.getByLabel('Region').locator('option').evaluateAll((os) =>
        os.map((o) => o.getAttribute('value') ?? ''),
      );
      expect([...offered].sort()).toEqual(regions);
      await unknown.getByLabel('Region').selectOption(REGION);
      await unknown.getByRole('button', { name: 'Save and recompute' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: 'the item of RU199999 has left the list' })
        .waitFor({ timeout: 90_000 });
      // Registered but not accepted: its units now wait on an acceptance, which the list offers to record.
      const notAccepted = page
        .locator('section.wb-group', {
          has: page.getByRole('heading', { level: 2, name: 'program not accepted' }),
        })
        .locator('tbody tr')
        .filter({ hasText: 'RU199999' });
      await notAccepted.first().getByText('Record an acceptance').waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'workbench-program-manager.png'), fullPage: true });
    }, 240_000);

    test('once the quarter is closed, a fix is checked against it first, then held for approval or saved', async () => {
      const post = async (path: string, token: string) => {
        const res = await fetch(`${base}/api${path}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
        });
        if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
        return (await res.json()) as { approval: { id: string } };
      };
      const maker = await rebates('token', '--role', 'finance', '--sub', 'fin-maker', '--state', stateDir);
      const checker = await rebates(
        'token',
        '--role',
        'finance',
        '--sub',
        'fin-checker',
        '--state',
        stateDir,
      );
      const asked = await post(`/quarters/${QUARTER}/close`, maker);
      await post(`/approvals/${asked.approval.id}/approve`, checker);

      // Still signed in as the program manager: RU199999 was registered above and has not accepted.
      // Read again: the page still shows the open quarter and the last fix's message.
      await page.goto(`${base}/#/exceptions/${QUARTER}`);
      await page.reload();
      // The first load after a close, on a loaded machine, has taken over 30 s.
      await explained(page, 'workbench-after-close', () =>
        page.getByRole('heading', { level: 1, name: 'Exceptions workbench' }).waitFor({ timeout: OUTCOME_MS }),
      );
      const notAccepted = page
        .locator('section.wb-group', {
          has: page.getByRole('heading', { level: 2, name: 'program not accepted' }),
        })
        .locator('tbody tr')
        .filter({ hasText: 'RU199999' })
        .first();
      await notAccepted.getByText('Record an acceptance').click();
      await notAccepted.getByLabel('Accepted on (Moscow date)').fill('2016-02-01');
      await notAccepted.getByRole('button', { name: 'Save and recompute' }).click();
      // Checked off the request: then either held for approval (it changes the closed quarter's
      // figures) or saved and recomputed (it does not, e.g. the plan is still missed).
      await notAccepted.getByText('the fix is first checked against its figures').waitFor();
      const outcome = page
        .getByRole('status')
        .filter({ hasText: /so it waits under Approvals|has left the list|still on the list/ });
      await outcome.waitFor({ timeout: 90_000 });
      const said = squash(await outcome.textContent());
      const { approvals } = await apiGet<{ approvals: { kind: string; what: string; status: string }[] }>(
        '/approvals',
        financeToken,
      );
      const changes = approvals.filter((a) => a.kind === 'reference-change');
      expect(changes).toEqual([expect.objectContaining({ what: 'acceptances' })]);
      expect(changes[0]!.status, said).toBe(said.includes('waits under Approvals') ? 'pending' : 'applied');
    }, 180_000);

    test('no script errors on any page', () => {
      expect(pageErrors).toEqual([]);
    });
  },
);
