/**
 * Opens the dashboard as a given user, language and quarter, the way a fresh tab would. The storage
 * is written from /config.json (same origin, no dashboard script on it), then the page is loaded
 * once at the wanted address. Writing it from a running dashboard page raced that page: a page still
 * signed in as the previous user went on to its own home (`#/overview` for finance, `#/reports` for
 * a distributor) or stored its own quarter after the test had set the address, and the reload then
 * opened that page instead, which a loaded CI machine hit twice.
 */
import type { Page } from 'playwright-core';
import { explained, OUTCOME_MS } from './explain.js';

export interface Identity {
  token: string;
  lang?: 'en' | 'ru';
  /** The remembered quarter: a quarter to set, null to forget it, left as it is when absent. */
  quarter?: string | null;
}

export async function openAs(page: Page, base: string, who: Identity, hash: string): Promise<void> {
  await page.goto(`${base}/config.json`);
  const quarter =
    who.quarter === undefined
      ? ''
      : who.quarter === null
        ? `localStorage.removeItem('rebates.quarter');`
        : `localStorage.setItem('rebates.quarter', ${JSON.stringify(who.quarter)});`;
  await page.evaluate(
    `sessionStorage.setItem('rebates.token', ${JSON.stringify(who.token)});` +
      `localStorage.setItem('rebates.lang', ${JSON.stringify(who.lang ?? 'en')});${quarter}`,
  );
  await page.goto(`${base}/${hash}`);
  // A view's first load reads the API; on a loaded machine that has taken tens of seconds.
  await explained(page, `open-${hash.replace(/[^a-z0-9]+/gi, '-')}`, () =>
    page.locator('main h1').waitFor({ timeout: OUTCOME_MS }),
  );
}
