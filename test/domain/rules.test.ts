/**
 * The rules loader: the sample rules files load, and a broken file is refused with a message that
 * names the bad field, so whoever edits the file can find the mistake.
 */
import { describe, expect, test } from 'vitest';
import { RulesValidationError } from '../../shared/errors.js';
import { RulesBook, parseRules } from '../../shared/domain/rules/load.js';
import { QUARTERS, sampleRules, sampleRulesJson } from '../support/domain-fixtures.js';

type Key = string | number;

/** Parse a copy of the Q1 file with one field changed (or removed) and return the error it raises. */
function errorOf(field: Key[], value: unknown): RulesValidationError {
  const file = sampleRulesJson('2016-Q1');
  let node = file as Record<Key, unknown>;
  for (const key of field.slice(0, -1)) node = node[key] as Record<Key, unknown>;
  if (value === REMOVED) delete node[field.at(-1)!];
  else node[field.at(-1)!] = value;
  try {
    parseRules(file);
  } catch (err) {
    expect(err).toBeInstanceOf(RulesValidationError);
    return err as RulesValidationError;
  }
  throw new Error('the broken rules file was accepted');
}
const REMOVED = Symbol('removed');

describe('The sample rules files', () => {
  test.each(QUARTERS)('%s loads', (quarter) => {
    const rules = sampleRules(quarter);
    expect(rules.quarter).toBe(quarter);
    expect(rules.version).toBe(`${quarter}.2`);
    expect([...rules.programs.keys()]).toEqual(['client', 'monitors', 'enterprise']);
    expect(rules.acceptanceDeadline).toBeGreaterThan(rules.startsAt);
    expect(rules.acceptanceDeadline).toBeLessThan(rules.endsBefore);
  });

  test.each(QUARTERS)(
    '%s: trainings are due at the acceptance deadline, and the file says where that comes from',
    (quarter) => {
      const rules = sampleRules(quarter);
      expect(rules.trainingDeadline).toBe(rules.acceptanceDeadline);
      expect(rules.file.notes.some((n) => /training deadline/i.test(n))).toBe(true);
      // A clone of the repository has no ../shared: the source points to our own docs.
      expect(rules.file.source).not.toMatch(/shared\//);
    },
  );

  test('2016-Q2..Q4 say their training deadline is our assumption', () => {
    for (const quarter of QUARTERS.slice(1))
      expect(sampleRules(quarter).file.notes.some((n) => /training deadline is OUR ASSUMPTION/.test(n))).toBe(
        true,
      );
  });

  test('2016-Q1: the quarter ends at Moscow midnight after 29 April, acceptance closes at Moscow midnight on 1 April', () => {
    const rules = sampleRules('2016-Q1');
    expect(rules.startsAt).toBe(Date.parse('2016-01-30T00:00:00+03:00'));
    expect(rules.endsBefore).toBe(Date.parse('2016-04-30T00:00:00+03:00'));
    expect(rules.acceptanceDeadline).toBe(Date.parse('2016-03-31T21:00:00Z'));
    expect(rules.trainingDeadline).toBe(Date.parse('2016-03-31T21:00:00Z'));
  });

  test('the four quarters form a RulesBook without overlap', () => {
    expect(new RulesBook(QUARTERS.map((q) => sampleRules(q))).quarters).toEqual([...QUARTERS]);
  });
});

describe('A broken rules file names the bad field', () => {
  test.each<[string, Key[], unknown, string]>([
    [
      'a rate missing for a plan',
      ['programs', 1, 'rateRows', 0, 'rates', '300'],
      REMOVED,
      'programs[1].rateRows[0].rates.300',
    ],
    [
      'a classification rule naming an unknown rate row',
      ['classification', 0, 'then', 'rateRow'],
      'no-such-row',
      'classification[0].then.rateRow',
    ],
    [
      'an amount that is not a number ("1155.5.5")',
      ['programs', 0, 'rateRows', 4, 'rates', '50'],
      '1155.5.5',
      'programs[0].rateRows[4].rates.50',
    ],
    [
      'an amount written as a JSON number (floating point)',
      ['programs', 0, 'rateRows', 4, 'rates', '150'],
      1155,
      'programs[0].rateRows[4].rates.150',
    ],
    ['a time zone other than Moscow', ['timezone'], '+00:00', 'timezone'],
    [
      'an unknown family training gate',
      ['classification', 1, 'then', 'gate'],
      'no-such-gate',
      'classification[1].then.gate',
    ],
    ['an unknown program training gate', ['programs', 2, 'gate'], 'no-such-gate', 'programs[2].gate'],
    ['a deadline without an offset', ['acceptanceDeadline'], '2016-04-01T00:00:00', 'acceptanceDeadline'],
    ['no training deadline', ['trainingDeadline'], REMOVED, 'trainingDeadline'],
    [
      'a training deadline without an offset',
      ['trainingDeadline'],
      '2016-04-01T00:00:00',
      'trainingDeadline',
    ],
    ['a training deadline that is only a date', ['trainingDeadline'], '2016-04-01', 'trainingDeadline'],
    [
      'a training deadline that is no real time',
      ['trainingDeadline'],
      '2016-13-01T00:00:00+03:00',
      'trainingDeadline',
    ],
    ['a training deadline written as a number', ['trainingDeadline'], 1459458000000, 'trainingDeadline'],
  ])('%s', (_what, field, value, path) => {
    const err = errorOf(field, value);
    expect(err.message).toContain(path);
    expect(err.issues.some((i) => i.startsWith(`${path}:`))).toBe(true);
  });

  test('a missing training deadline is said in plain words', () => {
    expect(errorOf(['trainingDeadline'], REMOVED).issues).toEqual([
      'trainingDeadline: missing: a rules file needs this field',
    ]);
  });

  test('overlapping quarters in a RulesBook are refused, naming both', () => {
    const q2 = sampleRulesJson('2016-Q2') as { calendar: { firstDay: string } };
    q2.calendar.firstDay = '2016-04-20';
    expect(() => new RulesBook([sampleRules('2016-Q1'), parseRules(q2)])).toThrow(
      /Quarters 2016-Q1 and 2016-Q2 overlap/,
    );
  });
});

describe('RulesBook.quarterOfDate at every 2016 quarter boundary (Moscow calendar days)', () => {
  const book = new RulesBook(QUARTERS.map((q) => sampleRules(q)));
  test.each([
    ['2016-01-29', undefined],
    ['2016-01-30', '2016-Q1'],
    ['2016-04-29', '2016-Q1'],
    ['2016-04-30', '2016-Q2'],
    ['2016-07-29', '2016-Q2'],
    ['2016-07-30', '2016-Q3'],
    ['2016-10-28', '2016-Q3'],
    ['2016-10-29', '2016-Q4'],
    ['2017-02-03', '2016-Q4'],
    ['2017-02-04', undefined],
  ])('%s → %s', (date, quarter) => {
    expect(book.quarterOfDate(date)?.quarter).toBe(quarter);
  });
});
