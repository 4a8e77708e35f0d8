/**
 * Browser waits that explain themselves when they fail on a loaded machine: the page as it was goes
 * to test/.artifacts/<name>-failed.png, and the error message gains what <main> said and the page's
 * last API calls (status and time taken, or still waiting), so a timeout tells a slow answer from an
 * error shown or a wrong page. Text is polled rather than waited for, so an assertion's failure shows
 * what was there instead of "Timeout 30000ms exceeded".
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page, Request } from 'playwright-core';

export const ARTIFACTS = fileURLToPath(new URL('../.artifacts', import.meta.url));

/**
 * Waits on a real asynchronous outcome (an ingest, a computation, an evaluation) given the time a
 * loaded CI machine needs; most take seconds, a few took over 30 s there.
 */
export const OUTCOME_MS = 90_000;

/** Spaces as Intl writes them (no-break, narrow no-break) and as the page shows them are the same here. */
export const squash = (s: string | null) => (s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/** The locator's text now, squashed; '' while it is not on the page (never waits long for it). */
export const textNow = async (locator: Locator) =>
  squash(await locator.textContent({ timeout: 1_000 }).catch(() => ''));

const KEPT_CALLS = 20;
const apiCalls = new WeakMap<Page, () => string[]>();

/** From now on, the page's API calls are kept (the last few) for a failure message. */
export function watchApi(page: Page): void {
  const done: string[] = [];
  const open = new Map<Request, number>();
  const path = (r: Request) => {
    const url = new URL(r.url());
    return `${r.method()} ${url.pathname}${url.search}`;
  };
  const isApi = (r: Request) => new URL(r.url()).pathname.startsWith('/api/');
  const finish = (r: Request, outcome: string) => {
    const at = open.get(r);
    if (at === undefined) return;
    open.delete(r);
    done.push(`${path(r)}: ${outcome} after ${Date.now() - at} ms`);
    if (done.length > KEPT_CALLS) done.shift();
  };
  page.on('request', (r) => void (isApi(r) && open.set(r, Date.now())));
  page.on('response', (res) => finish(res.request(), String(res.status())));
  page.on('requestfailed', (r) => finish(r, `failed (${r.failure()?.errorText ?? 'no reason given'})`));
  apiCalls.set(page, () => [
    ...done,
    ...[...open].map(([r, at]) => `${path(r)}: no answer yet after ${Date.now() - at} ms`),
  ]);
}

/**
 * Runs `wait`; when it fails, a full-page screenshot named for it is saved, and what the page showed
 * and its last API calls are added to the error before it goes on.
 */
export async function explained<T>(page: Page, name: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    // A page that cannot be read or photographed must not hide the failure itself.
    await mkdir(ARTIFACTS, { recursive: true });
    await page
      .screenshot({ path: join(ARTIFACTS, `${name}-failed.png`), fullPage: true })
      .catch(() => undefined);
    if (err instanceof Error) {
      const shown = await textNow(page.locator('main'));
      const calls = apiCalls.get(page)?.() ?? [];
      err.message +=
        `\n\nThe page (${page.url()}) showed: ${shown.slice(0, 600) || '(nothing in <main>)'}` +
        `\nIts last API calls:\n${calls.map((c) => `  ${c}`).join('\n') || '  (none seen)'}` +
        `\nScreenshot: test/.artifacts/${name}-failed.png`;
    }
    throw err;
  }
}
