/** Moscow dates of instants: the same answer on every call, kept or not. */
import { describe, expect, test } from 'vitest';
import { moscowDateOf } from '../../shared/domain/calendar.js';

describe('moscowDateOf', () => {
  test('gives the Moscow date, the same when asked again, from a number or a text', () => {
    const lastSecond = Date.parse('2016-03-31T20:59:59Z');
    for (let i = 0; i < 2; i++) {
      expect(moscowDateOf(lastSecond)).toBe('2016-03-31');
      expect(moscowDateOf(lastSecond + 1000)).toBe('2016-04-01');
      expect(moscowDateOf('2016-03-31T21:00:00Z')).toBe('2016-04-01');
    }
  });

  test('past the kept dates it still answers each instant with its own date', () => {
    const start = Date.parse('2000-01-01T00:00:00+03:00');
    for (let d = 0; d < 12_000; d += 1)
      expect(moscowDateOf(start + d * 86_400_000)).toBe(
        new Date(start + d * 86_400_000 + 3 * 3_600_000).toISOString().slice(0, 10),
      );
  });

  test('an unreadable time is refused on every call', () => {
    expect(() => moscowDateOf('not a time')).toThrow(RangeError);
    expect(() => moscowDateOf('not a time')).toThrow(RangeError);
  });
});
