/**
 * Browser waits that explain themselves when they fail on a loaded machine: the page as it was goes
 * to test/.artifacts/<name>-failed.png, and text is polled rather than waited for, so the failure
 * message shows what the page said instead of "Timeout 30000ms exceeded".
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ROOT } from './rebates-up.js';

export const ARTIFACTS = join(ROOT, 'test', '.artifacts');

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

/** Runs `wait`; when it fails, a full-page screenshot named for it is saved before the error goes on. */
export async function explained<T>(page: Page, name: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    await mkdir(ARTIFACTS, { recursive: true });
    // A page that cannot be photographed must not hide the failure itself.
    await page
      .screenshot({ path: join(ARTIFACTS, `${name}-failed.png`), fullPage: true })
      .catch(() => undefined);
    throw err;
  }
}
