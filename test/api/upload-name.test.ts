import { describe, expect, it } from 'vitest';
import { safeUploadName } from '../../functions/api/upload-name.js';
import { InputValidationError } from '../../shared/errors.js';

/** S3's notification filter on the reports bucket: suffix .csv or .csv.gz, case-sensitive. */
const ingestPicksUp = (name: string) => name.endsWith('.csv') || name.endsWith('.csv.gz');

describe('safeUploadName', () => {
  it.each([
    ['отчёт за февраль 2016.csv', 'отчёт за февраль 2016.csv'],
    ['  sellout Q1.csv.gz ', 'sellout Q1.csv.gz'],
    ['a.b.csv', 'a.b.csv'],
  ])('keeps %j as %j', (raw, name) => {
    expect(safeUploadName(raw)).toBe(name);
  });

  it.each([
    ['REPORT.CSV', 'REPORT.csv'],
    ['Отчёт.CSV', 'Отчёт.csv'],
    ['X.CSV.GZ', 'X.csv.gz'],
    ['march.Csv.gZ', 'march.csv.gz'],
    ['mixed.csv.GZ', 'mixed.csv.gz'],
    ['Sales.CSV.csv', 'Sales.CSV.csv'],
  ])('lower-cases the extension of %j to %j and nothing else', (raw, name) => {
    expect(safeUploadName(raw)).toBe(name);
  });

  it('always gives a name the bucket notification picks up', () => {
    for (const raw of ['A.CSV', 'B.Csv', 'C.CSV.GZ', 'D.csv.Gz', 'e.csv', 'f.csv.gz'])
      expect(ingestPicksUp(safeUploadName(raw)), raw).toBe(true);
  });

  it.each([
    ['a folder', 'other/feb.csv'],
    ['a Windows folder', 'other\\feb.csv'],
    ['a parent reference', '..csv'],
    ['a climb out', '../kvant/feb.csv'],
    ['a control character', 'feb\u0000.csv'],
    ['a newline', 'feb\n.csv'],
    ['an empty name', '   '],
    ['another extension', 'feb.xlsx'],
    ['a gzip of something else', 'feb.xlsx.gz'],
    ['no extension', 'feb'],
    ['.csv inside the name only', 'feb.csv.txt'],
    ['an extension alone', '.CSV'],
    ['an over-long name', `${'x'.repeat(200)}.csv`],
    // 104 characters but 204 bytes: the limit is the storage's, in bytes.
    ['an over-long Cyrillic name', `${'я'.repeat(100)}.csv`],
    ['200 Cyrillic characters', `${'ж'.repeat(196)}.csv`],
  ])('refuses %s', (_what, raw) => {
    expect(() => safeUploadName(raw)).toThrow(InputValidationError);
  });

  it('takes a name of up to 200 bytes, Latin or Cyrillic', () => {
    expect(safeUploadName(`${'x'.repeat(196)}.csv`)).toHaveLength(200);
    expect(safeUploadName(`${'я'.repeat(98)}.csv`)).toBe(`${'я'.repeat(98)}.csv`);
    expect(() => safeUploadName(`${'я'.repeat(99)}.csv`)).toThrow(/too long \(202 bytes; at most 200/);
  });

  it('tells in plain words which extensions it takes', () => {
    expect(() => safeUploadName('февраль.xlsx')).toThrow(
      /"февраль\.xlsx" cannot be used: reports must be \.csv or \.csv\.gz files/,
    );
    expect(() => safeUploadName('.csv')).toThrow(/no name before \.csv/);
  });

  it('says why in the message and never echoes control characters', () => {
    try {
      safeUploadName('a/b\u0007.csv');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/slash/);
      expect((err as Error).message).toMatch(/control characters/);
      expect((err as Error).message).not.toContain('\u0007');
    }
  });
});
