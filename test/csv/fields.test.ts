import { describe, expect, it } from 'vitest';
import { MAX_LINE_QUANTITY, parseInvoiceDate, parseQuantity } from '../../shared/csv/index.js';

describe('parseQuantity', () => {
  const good: [string, number][] = [
    ['7', 7],
    ['  7 шт', 7],
    ['7 шт.', 7],
    ['7шт', 7],
    ['7 pcs', 7],
    ['-3', -3],
    ['−3', -3],
    ['+2', 2],
    ['1 000', 1000],
    ['1\u00a0000', 1000],
    ['12\u2009345', 12345],
    ['0', 0],
    ['-0', 0],
    [String(MAX_LINE_QUANTITY), MAX_LINE_QUANTITY],
    [`-${MAX_LINE_QUANTITY}`, -MAX_LINE_QUANTITY],
  ];
  for (const [input, value] of good) {
    it(`reads ${JSON.stringify(input)} as ${value}`, () => {
      expect(parseQuantity(input)).toEqual({ ok: true, value });
    });
  }

  const bad: [string, RegExp][] = [
    ['1e9', /exponent form/],
    ['1E3', /exponent form/],
    ['12,5', /not a whole number/],
    ['12.5', /not a whole number/],
    ['1 000,00', /not a whole number/],
    ['', /empty/],
    ['   ', /empty/],
    ['шт', /empty/],
    ['seven', /not a number/],
    ['1 00', /not a number/],
    ['--1', /not a number/],
    ['0x10', /not a number/],
    [String(MAX_LINE_QUANTITY + 1), /more than 100000 units/],
    ['-250000', /more than 100000 units/],
    ['99999999999999999999999', /more than 100000 units/],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const result = parseQuantity(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(message);
    });
  }
});

describe('parseInvoiceDate', () => {
  const good: [string, string][] = [
    ['2016-02-15', '2016-02-15'],
    ['15.02.2016', '2016-02-15'],
    [' 5.2.2016 ', '2016-02-05'],
    ['29.02.2016', '2016-02-29'],
    ['2016-02-15T10:00:00', '2016-02-15'],
    ['2016-02-15 23:59', '2016-02-15'],
    ['15.02.2016 10:00', '2016-02-15'],
    ['15.02.2016 0:00:00', '2016-02-15'],
    // An explicit offset makes it an instant: its Moscow (UTC+3) day counts.
    ['2016-02-15T22:30:00Z', '2016-02-16'],
    ['2016-02-15T20:59:59Z', '2016-02-15'],
    ['2016-02-16T01:00:00+05:00', '2016-02-15'],
    ['2016-02-15T23:00:00+03:00', '2016-02-15'],
  ];
  for (const [input, value] of good) {
    it(`reads ${JSON.stringify(input)} as ${value}`, () => {
      expect(parseInvoiceDate(input)).toEqual({ ok: true, value });
    });
  }

  const bad: [string, RegExp][] = [
    ['2016-02-30', /not a real date: that month has 29 days/],
    ['2015-02-29', /that month has 28 days/],
    ['31.04.2016', /that month has 30 days/],
    ['2016-13-01', /no month 13/],
    ['00.01.2016', /not a real date/],
    ['15.02.16', /not a date we can read/],
    ['15/02/2016', /not a date we can read/],
    ['02/15/2016', /not a date we can read/],
    ['42415', /not a date we can read/],
    ['2016-02-15T25:00', /time of day that does not exist/],
    ['', /empty/],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const result = parseInvoiceDate(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(message);
    });
  }
});
