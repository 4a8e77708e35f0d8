import { describe, expect, it } from 'vitest';
import { safeUploadName } from '../../functions/api/upload-name.js';
import { InputValidationError } from '../../shared/errors.js';

describe('safeUploadName', () => {
  it.each([
    ['отчёт за февраль 2016.csv', 'отчёт за февраль 2016.csv'],
    ['  sellout Q1.csv.gz ', 'sellout Q1.csv.gz'],
    ['REPORT.CSV', 'REPORT.CSV'],
    ['a.b.csv', 'a.b.csv'],
  ])('keeps %j as %j', (raw, name) => {
    expect(safeUploadName(raw)).toBe(name);
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
    ['an over-long name', `${'x'.repeat(200)}.csv`],
  ])('refuses %s', (_what, raw) => {
    expect(() => safeUploadName(raw)).toThrow(InputValidationError);
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
