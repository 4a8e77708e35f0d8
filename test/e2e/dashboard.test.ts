/**
 * The dashboard end to end: `rebates up` on the sample data folder (the real pipeline, API server
 * and dashboard, as a user starts them), a manager's token from `rebates token`, and Debian's
 * Chromium driven by playwright-core. Expectations come from samples/data/partners.csv and from the
 * API as finance sees it, never from the dashboard's own code.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'test', '.artifacts', 'dashboard-partner.png');
const QUARTER = '2016-Q1';
const REGIONS = ['Central', 'Volga'];
const run = promisify(execFile);

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

/** Spaces as Intl writes them (no-break, narrow no-break) and as the page shows them are the same here. */
const squash = (s: string | null) => (s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
const rub = (locale: string, amount: string) =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'RUB',
    currencyDisplay: locale === 'ru-RU' ? 'symbol' : 'code',
  }).format(amount as `${number}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function rebates(...args: string[]): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', 'rebates', '--', ...args], { cwd: ROOT });
  return stdout.trim().split('\n').at(-1)!.trim();
}

/** Starts `rebates up` in a process group of its own (npm, tsx, node, DynamoDB Local's java) and waits for "ready". */
function startStack(port: number, stateDir: string): Promise<ChildProcess> {
  const child = spawn(
    'npm',
    [
      'run',
      '--silent',
      'rebates',
      '--',
      'up',
      '--port',
      String(port),
      '--data',
      'samples/data',
      '--state',
      stateDir,
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/^ready$/m.test(out)) resolve(child);
    });
    // Drained always, so a chatty child never blocks on a full pipe.
    child.stderr!.on('data', (chunk: Buffer) => void (err = (err + chunk.toString('utf8')).slice(-4000)));
    child.once('exit', (code) =>
      reject(new Error(`rebates up exited (${code}) before "ready":\n${out}\n${err}`)),
    );
    child.once('error', reject);
  });
}

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM to the whole group ("up" stops its stack on it), SIGKILL for whatever outlives a grace period. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pgid = child.pid!;
  if (!groupAlive(pgid)) return;
  process.kill(-pgid, 'SIGTERM');
  for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 200));
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  for (let i = 0; i < 25 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 200));
  if (groupAlive(pgid))
    throw new Error(`processes of group ${pgid} (rebates up, DynamoDB Local) are still running`);
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`dashboard e2e skipped: ${CHROMIUM} is absent (install Debian's chromium; .ci/run does).`);

describe.skipIf(!hasChromium)(
  `dashboard in Chromium against "rebates up" (skipped only when ${CHROMIUM} is absent)`,
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

    const apiGet = async <T>(path: string, token: string): Promise<T> => {
      const res = await fetch(`${base}/api${path}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    beforeAll(async () => {
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
      stack = await startStack(port, stateDir);

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

      profileDir = await mkdtemp(join(tmpdir(), 'rebates-e2e-chromium-'));
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
        locale: 'en-US',
        viewport: { width: 1366, height: 900 },
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (err) => pageErrors.push(err.message));
    }, 300_000);

    afterAll(async () => {
      await context?.close();
      if (stack) await stopGroup(stack);
      for (const dir of [stateDir, profileDir]) if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    test('a token that is not accepted leaves you on the login page with a plain message', async () => {
      await page.goto(`${base}/`);
      await page.getByLabel('Access token').waitFor();
      // Before logging in the header offers the language switch and nothing else.
      expect(squash(await page.locator('header').innerText())).toBe('Rebate program RU EN');
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

      await mkdir(join(ROOT, 'test', '.artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // The language is remembered and the session survives a reload.
      await page.reload();
      await page.getByRole('heading', { level: 2, name: 'Строки выплат' }).waitFor();
    });

    test('a partner outside the territory is refused, with nothing of it shown', async () => {
      const outside = partners.find(
        (p) => !REGIONS.includes(p.region) && financeLines.some((l) => l.partnerId === p.partner_id),
      )!;
      await page.goto(`${base}/#/partner/${QUARTER}/${outside.partner_id}`);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(squash(await alert.textContent())).toMatch(/^Нет доступа/);
      expect(await page.locator('table.lines').count()).toBe(0);
      expect(await page.getByText(outside.name).count()).toBe(0);
    });

    test('finance logs in after the manager logs out, exports the quarter and closes it', async () => {
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
      await dialog.getByRole('button', { name: `Close ${QUARTER}` }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Quarter ${QUARTER} is closed.` })
        .waitFor();
      expect(squash(await page.getByRole('heading', { level: 1 }).textContent())).toBe(
        `Quarter ${QUARTER} closed`,
      );
      expect(await page.getByRole('button', { name: 'Close quarter…' }).count()).toBe(0);
      const { quarters } = await apiGet<{ quarters: { quarter: string; status: string }[] }>(
        '/quarters',
        financeToken,
      );
      expect(quarters.find((q) => q.quarter === QUARTER)?.status).toBe('closed');
    });

    test('no script errors on any page', () => {
      expect(pageErrors).toEqual([]);
    });
  },
);
