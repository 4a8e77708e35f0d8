/**
 * Numbers, money, instants and plurals in the reader's language. Money is formatted from the
 * decimal's own two-place string, so no amount ever passes through floating point.
 */
import { Decimal } from 'decimal.js';
import { formatMoscow } from '../calendar.js';

export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];

const decimalFormat: Record<Lang, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  ru: new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
};
const intFormat: Record<Lang, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-US'),
  ru: new Intl.NumberFormat('ru-RU'),
};

export const toDecimal = (d: Decimal | string): Decimal => (d instanceof Decimal ? d : new Decimal(d));

/** Two places, grouped for the language (Intl formats the exact decimal string, not a float). */
export function grouped(d: Decimal | string, lang: Lang): string {
  // format() takes a decimal string exactly (Intl.NumberFormat v3); the typings still say number.
  return decimalFormat[lang].format(toDecimal(d).toFixed(2) as unknown as number);
}

/** A whole number grouped for the language: 1,500 / 1 500. */
export const int = (n: number, lang: Lang): string => intFormat[lang].format(n);

/** An instant (ISO with any offset, or epoch ms) in Moscow time. */
export function moscow(at: string | number, lang: Lang): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  // An unreadable instant is shown as written rather than as "Invalid Date".
  if (!Number.isFinite(ms)) return String(at);
  const iso = formatMoscow(ms);
  if (lang === 'en') return iso;
  const [date, time] = [iso.slice(0, 10), iso.slice(11, 19)];
  const [y, m, d] = date.split('-');
  return `${d}.${m}.${y} ${time.endsWith(':00') ? time.slice(0, 5) : time} МСК`;
}

/** A Moscow calendar date (YYYY-MM-DD) as the language writes it. */
export function day(date: string, lang: Lang): string {
  if (lang === 'en') return date;
  const [y, m, d] = date.split('-');
  return `${d}.${m}.${y}`;
}

const plural = { en: new Intl.PluralRules('en'), ru: new Intl.PluralRules('ru') };
// select() is slow beside a Map, and `rebates run` asks it about the same few counts 100,000 times.
const categories = { en: new Map<number, Intl.LDMLPluralRule>(), ru: new Map<number, Intl.LDMLPluralRule>() };
const MAX_REMEMBERED = 10_000;

function category(n: number, lang: Lang): Intl.LDMLPluralRule {
  const known = categories[lang];
  let c = known.get(n);
  if (c === undefined) {
    c = plural[lang].select(n);
    if (known.size < MAX_REMEMBERED) known.set(n, c);
  }
  return c;
}

/** The form of a noun for a count: `forms` by Intl plural category, `other` when missing. */
export function pick(n: number, lang: Lang, forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }): string {
  return forms[category(Math.abs(n), lang)] ?? forms.other;
}

/** "A, B and C" / "A, B и C". */
export function joinAnd(items: readonly string[], lang: Lang): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${lang === 'en' ? 'and' : 'и'} ${items.at(-1)!}`;
}
