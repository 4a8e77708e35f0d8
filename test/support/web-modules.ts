/**
 * The dashboard's plain browser modules (web/js/) loaded in a unit test, and the browser globals
 * they read when they load.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

const WEB_JS = fileURLToPath(new URL('../../web/js/', import.meta.url));

/** A Russian reader with nothing stored: what i18n.js reads when it loads. */
export function stubRussianBrowser(): void {
  const stored = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => void stored.set(k, v),
  });
  vi.stubGlobal('navigator', { language: 'ru-RU' });
  vi.stubGlobal('document', { documentElement: { lang: '' } });
}

/** A module of web/js/ (no types); the path is not a literal, so TypeScript does not resolve it. */
export async function webModule(file: string): Promise<unknown> {
  return import(join(WEB_JS, file));
}
