/**
 * Program, rate row and reward names on the dashboard (web/js/names.js, codes.js codeLabel): a
 * Russian page names a code as the rules files do (GET /names), a code only a new rules file knows
 * included; an English page keeps its labels and names only an unknown code from the files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubRussianBrowser, webModule } from '../support/web-modules.js';


let codeLabel: (kind: string, code: string) => string;
let useNames: (answer: unknown) => void;
let rewardLabel: (reward: { name: string; nameRu?: string }) => string;
let setLang: (lang: string) => void;

beforeAll(async () => {
  stubRussianBrowser();
  ({ codeLabel } = (await webModule('codes.js')) as { codeLabel: typeof codeLabel });
  ({ useNames, rewardLabel } = (await webModule('names.js')) as {
    useNames: typeof useNames;
    rewardLabel: typeof rewardLabel;
  });
  ({ setLang } = (await webModule('i18n.js')) as { setLang: typeof setLang });
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
