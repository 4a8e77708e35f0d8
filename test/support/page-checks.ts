/**
 * Checks the dashboard's browser tests make of a page, and the set-up they share: `rebates up` on
 * its own state folder, and calls to its API as a given user.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, startUp } from './rebates-up.js';

/**
 * How wide the page scrolls, and up to five elements that stick out past a 390 px screen outside
 * any box that scrolls: on failure, they say where.
 */
export async function narrowOffenders(page: Page): Promise<{ width: number; wide: string[] }> {
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > 391 && !el.parentElement.closest('table, .table-scroll'))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : ''))`);
  return { width, wide };
}

type Labels = Record<'en' | 'ru', Record<string, string>>;

/** Every English word the dashboard itself could show, lower-cased: the words of these label sets' English texts. */
export function englishLabelWords(...sets: Labels[]): Set<string> {
  return new Set(
    sets
      .flatMap((set) => Object.values(set.en))
      .flatMap((text) => text.replace(/\{\w+\}/g, ' ').match(/[A-Za-z]{3,}/g) ?? [])
      .map((w) => w.toLowerCase()),
  );
}

export interface UpStack {
  stateDir: string;
  /** The dashboard's address, e.g. http://127.0.0.1:40123. */
  base: string;
  stack: ChildProcess;
}

/** `rebates up` on the sample data folder, a free port and a new state folder named after `statePrefix`. */
export async function startStack(statePrefix: string): Promise<UpStack> {
  const stateDir = await mkdtemp(join(tmpdir(), statePrefix));
  try {
    const port = await freePort();
    return { stateDir, base: `http://127.0.0.1:${port}`, stack: await startUp(port, stateDir) };
  } catch (err) {
    // The caller never learns the folder when the start fails, so it goes here.
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
}

export type ApiCall = <T>(method: string, path: string, token: string, body?: unknown) => Promise<{ status: number; body: T; text: string }>;

/** Calls the API at `base` as the holder of `token`; `body` is the parsed JSON answer, null for any other. */
export function apiCaller(base: string): ApiCall {
  return async <T>(method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}/api${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null) as T, text };
  };
}
