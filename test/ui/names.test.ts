/**
 * Program, rate row and reward names on the dashboard (web/js/names.js, codes.js codeLabel): a
 * Russian page names a code as the rules files do (GET /names), a code only a new rules file knows
 * included; an English page keeps its labels and names only an unknown code from the files.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const WEB_JS = fileURLToPath(new URL('../../web/js/', import.meta.url));

let codeLabel: (kind: string, code: string) => string;
let useNames: (answer: unknown) => void;
let rewardLabel: (reward: { name: string; nameRu?: string }) => string;
let setLang: (lang: string) => void;

beforeAll(async () => {
  const stored = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (k: string) => stored.get(k) ?? null,
    setItem: (k: string, v: string) => void stored.set(k, v),
  });
  vi.stubGlobal('navigator', { language: 'ru-RU' });
  vi.stubGlobal('document', { documentElement: { lang: '' } });
  // Plain browser modules (no types); the paths are not literals so TypeScript does not resolve them.
  ({ codeLabel } = (await import(join(WEB_JS, 'codes.js'))) as { codeLabel: typeof codeLabel });
  ({ useNames, rewardLabel } = (await import(join(WEB_JS, 'names.js'))) as {
    useNames: typeof useNames;
    rewardLabel: typeof rewardLabel;
  });
  ({ setLang } = (await import(join(WEB_JS, 'i18n.js'))) as { setLang: typeof setLang });
});

const ANSWER = {
  en: { programs: { client: 'Notebooks, desktops', gaming: 'Gaming systems' }, rateRows: { 'alienware-x': 'Alienware X' } },
  ru: { programs: { client: 'ноутбуки, десктопы', gaming: 'игровые системы' }, rateRows: { 'alienware-x': 'игровые Alienware X' } },
};

describe('names of codes on the dashboard', () => {
  it('before the names arrive, the labels and, for an unknown code, the code', () => {
    useNames(null);
    setLang('ru');
    expect(codeLabel('program', 'client')).toBe('Клиентские системы');
    expect(codeLabel('program', 'gaming')).toBe('gaming');
  });

  it('in Russian, the rules files\' names first, starting with a capital', () => {
    useNames(ANSWER);
    setLang('ru');
    expect(codeLabel('program', 'client')).toBe('Ноутбуки, десктопы');
    expect(codeLabel('program', 'gaming')).toBe('Игровые системы');
    expect(codeLabel('rateRow', 'alienware-x')).toBe('Игровые Alienware X');
    expect(codeLabel('region', 'Volga')).toBe('Приволжский');
    expect(rewardLabel({ name: 'Ray-Ban Aviator sunglasses', nameRu: 'солнцезащитные очки Ray-Ban Aviator' })).toBe(
      'Солнцезащитные очки Ray-Ban Aviator',
    );
  });

  it('in English, the labels first; a file\'s name only for a code they do not know', () => {
    useNames(ANSWER);
    setLang('en');
    expect(codeLabel('program', 'client')).toBe('Client systems');
    expect(codeLabel('program', 'gaming')).toBe('Gaming systems');
    expect(codeLabel('program', 'unknown-one')).toBe('unknown-one');
    expect(rewardLabel({ name: 'Ray-Ban Aviator sunglasses', nameRu: 'солнцезащитные очки Ray-Ban Aviator' })).toBe(
      'Ray-Ban Aviator sunglasses',
    );
  });
});
