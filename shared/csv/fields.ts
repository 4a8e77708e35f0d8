/**
 * Parsers for the report fields that need more than trimming. Each returns a result rather than
 * throwing, and its message is meant for the rejects file, in plain words.
 */
import { moscowDateOf } from '../domain/calendar.js';

export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** More units than this on one invoice line is taken as a typing or export error. */
export const MAX_LINE_QUANTITY = 100_000;

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const RU_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: +(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * An invoice date as the plain Moscow calendar day `YYYY-MM-DD`. Accepts `2016-02-15` and
 * `15.02.2016`, each optionally with a time, which is dropped. A time with an explicit offset
 * (`2016-02-15T22:30:00Z`) is an instant, so it is turned into the Moscow day it falls on.
 */
export function parseInvoiceDate(input: string): FieldResult<string> {
  const s = input.trim();
  if (s === '') return { ok: false, message: 'The invoice date is empty.' };
  const iso = ISO_DATE.exec(s);
  const ru = iso ? null : RU_DATE.exec(s);
  const m = iso ?? ru;
  if (!m) {
    return { ok: false, message: `"${s}" is not a date we can read; write it as 2016-02-15 or 15.02.2016.` };
  }
  const [year, month, day] = iso
    ? [m[1]!, m[2]!, m[3]!]
    : [m[3]!, m[2]!.padStart(2, '0'), m[1]!.padStart(2, '0')];
  const date = `${year}-${month}-${day}`;
  const mm = Number(month);
  if (mm < 1 || mm > 12) return { ok: false, message: `"${s}" is not a real date: there is no month ${mm}.` };
  const daysInMonth = new Date(Date.UTC(Number(year), mm, 0)).getUTCDate();
  if (Number(day) < 1 || Number(day) > daysInMonth) {
    return { ok: false, message: `"${s}" is not a real date: that month has ${daysInMonth} days.` };
  }
  const [hours, minutes, seconds] = [m[4], m[5], m[6]].map((v) => Number(v ?? 0));
  if (hours! > 23 || minutes! > 59 || seconds! > 59) {
    return { ok: false, message: `"${s}" has a time of day that does not exist.` };
  }
  const offset = iso?.[7];
  if (offset) return { ok: true, value: moscowDateOf(Date.parse(`${s.slice(0, 10)}T${s.slice(11)}`)) };
  return { ok: true, value: date };
}

const UNIT_WORD = /\s*(?:шт|штук[аи]?|ед|pcs|pc|units?)\.?$/i;
const INTEGER = /^[+\-\u2212]?(?:\d+|\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+)$/;

/**
 * A whole number of units, negative for returns. Accepts spaces around it, a leading `+`, a trailing
 * unit word (`7 шт`, `7 pcs`) and spaces between thousands (`1 000`). No fractions, no exponents.
 */
export function parseQuantity(input: string): FieldResult<number> {
  const s = input.trim().replace(UNIT_WORD, '');
  if (s === '') return { ok: false, message: 'The quantity is empty.' };
  if (!INTEGER.test(s)) {
    if (/^[+\-\u2212]?\d[\d\s]*[.,]\d+$/.test(s)) {
      return { ok: false, message: `The quantity "${input.trim()}" is not a whole number of units.` };
    }
    if (/^[+\-\u2212]?[\d.,]+e[+-]?\d+$/i.test(s)) {
      return {
        ok: false,
        message: `The quantity "${input.trim()}" is in exponent form; write the number in full.`,
      };
    }
    return { ok: false, message: `The quantity "${input.trim()}" is not a number of units.` };
  }
  const value = Number(s.replace(/[^\d]/g, '')) * (/^[-\u2212]/.test(s) ? -1 : 1) || 0;
  if (Math.abs(value) > MAX_LINE_QUANTITY) {
    return {
      ok: false,
      message: `The quantity ${value} is more than ${MAX_LINE_QUANTITY} units on one line, which cannot be right.`,
    };
  }
  return { ok: true, value };
}
