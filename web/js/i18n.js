/**
 * Labels in Russian and English, and the number, money and date formats of each language.
 * Server texts (payout explanations, tier summaries) come in English and are shown as they are.
 */
import { REASONS, STRINGS } from './labels.js';

const LOCALES = { en: 'en-US', ru: 'ru-RU' };
const LANG_KEY = 'rebates.lang';

let lang =
  localStorage.getItem(LANG_KEY) ?? (navigator.language?.toLowerCase().startsWith('ru') ? 'ru' : 'en');
if (!(lang in STRINGS)) lang = 'en';

export const languages = ['ru', 'en'];
export const getLang = () => lang;

export function setLang(next) {
  lang = next in STRINGS ? next : 'en';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

/** The label `key` with `{name}` placeholders filled in. */
export function t(key, params = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export const rejectReason = (code) => REASONS[lang][code] ?? code;
export const zeroReason = (code) => t(`reason_${code.replace(/-/g, '_')}`);

const moneyFormats = {};
/**
 * Amounts arrive as decimal strings ("1155.00"); Intl formats the string exactly (no float).
 * RU: "1 155,00 ₽"; EN: "RUB 1,155.00".
 */
export function formatMoney(amount) {
  moneyFormats[lang] ??= new Intl.NumberFormat(LOCALES[lang], {
    style: 'currency',
    currency: 'RUB',
    currencyDisplay: lang === 'ru' ? 'symbol' : 'code',
  });
  return moneyFormats[lang].format(String(amount));
}

export const formatInt = (n) => new Intl.NumberFormat(LOCALES[lang]).format(n);

/** Instants shown on Moscow time (UTC+3, the program's clock). */
export function formatInstant(iso) {
  if (!iso) return '';
  const f = new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone: 'Europe/Moscow',
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  return `${f.format(new Date(iso))} ${t('moscowTime')}`;
}

/** Plain calendar days ("2016-01-30") are Moscow days already: format without shifting. */
export function formatDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'UTC', dateStyle: 'medium' }).format(
    Date.UTC(y, m - 1, d),
  );
}

document.documentElement.lang = lang;
