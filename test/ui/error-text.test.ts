/**
 * Sign-in, settings and session errors on the dashboard (web/js/auth.js, api.js) carry a code, so
 * errorText (codes.js) says them in the page's language; in English the sentence is the error's own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubRussianBrowser, webModule } from '../support/web-modules.js';

type Failing = (...args: unknown[]) => unknown;

let errorText: (err: unknown) => string;
let setLang: (lang: string) => void;
let auth: Record<string, Failing>;
let api: { ApiError: new (status: number, code: string, message: string) => Error };

beforeAll(async () => {
  stubRussianBrowser();
  ({ errorText } = (await webModule('codes.js')) as { errorText: typeof errorText });
  ({ setLang } = (await webModule('i18n.js')) as { setLang: typeof setLang });
  auth = (await webModule('auth.js')) as typeof auth;
  api = (await webModule('api.js')) as typeof api;
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const LATIN_WORD = /[A-Za-z]{2,}/g;
// File and format names a Russian sentence names as they are written.
const NAMES = new Set(['config', 'json', 'JSON', 'clientId', 'signInUrl', 'redirectUri']);

describe('errors on the sign-in and settings screens', () => {
  const errors = () => [
    caught(() => auth.readConfig!(null)),
    caught(() => auth.readConfig!({ clientId: 'c' })),
    caught(() => auth.parseCallback!('?code=abc&state=s2', 's1')),
    caught(() => auth.parseCallback!('?error=access_denied&error_description=User+is+disabled&state=s1', 's1')),
    caught(() => auth.parseCallback!('?state=s1', 's1')),
    new api.ApiError(401, 'expired', 'Sign in again.'),
    new api.ApiError(401, 'unauthenticated', 'Sign in again.'),
  ];

  it('in Russian: a sentence of its own for each, with no English word but file and field names', () => {
    setLang('ru');
    const texts = errors().map(errorText);
    expect(new Set(texts).size).toBeGreaterThanOrEqual(6);
    for (const text of texts) {
      expect(text).toMatch(/[А-Яа-яЁё]/);
      expect((text.match(LATIN_WORD) ?? []).filter((w) => !NAMES.has(w)), text).toEqual([]);
    }
    expect(texts[1]).toContain('signInUrl, redirectUri');
  });

  it('in English: the error\'s own sentence, unchanged', () => {
    setLang('en');
    for (const err of errors()) expect(errorText(err)).toBe((err as Error).message);
  });
});
