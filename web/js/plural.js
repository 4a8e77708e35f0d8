/**
 * Counted phrases by Intl.PluralRules: the label `<key>_<category>` of the page's language
 * (`one`, `few`, `many`, `other`: Russian needs all four), `{n}` formatted by Intl.
 */
import { formatInt, getLang, t } from './i18n.js';
import { STRINGS } from './labels.js';

const LOCALES = { en: 'en-US', ru: 'ru-RU' };
const rules = {};

export function tp(key, n, params = {}) {
  const lang = getLang();
  rules[lang] ??= new Intl.PluralRules(LOCALES[lang]);
  const exact = `${key}_${rules[lang].select(n)}`;
  return t(exact in STRINGS[lang] ? exact : `${key}_other`, { ...params, n: formatInt(n) });
}
