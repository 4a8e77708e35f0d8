/**
 * describeProduct on text built to make pattern matching slow (issue #13): megabyte runs of letters
 * and of words that make a family only with a model after them. The reader refuses a description
 * over 1,000 characters (read-report.test.ts), so these lengths never reach it from a report; the
 * parser must still be linear for every other caller. Before the fix each of these took minutes
 * (16k letters 0.86 s, 32k 4.8 s, growing with the square), so the test runner's timeout failed them.
 */
import { describe, expect, it } from 'vitest';
import { describeProduct } from '../../shared/domain/describe.js';

const MB = 1_000_000;

describe('describeProduct on hostile text', () => {
  it('reads a megabyte of letters as nothing, in Latin and in Cyrillic', () => {
    expect(describeProduct('a'.repeat(MB))).toMatchObject({ family: null, model: null });
    expect(describeProduct('ж'.repeat(MB))).toMatchObject({ family: null, model: null });
  });

  it('still finds the product after a megabyte of letters, Cyrillic look-alikes in its model included', () => {
    expect(describeProduct(`${'q'.repeat(MB)} Dell Inspiron 3567 i5-7200U`)).toMatchObject({
      family: 'inspiron',
      model: '3567',
    });
    // "Е2216Н" typed with Cyrillic Е and Н: a token with a digit, so its look-alikes are read as Latin.
    expect(describeProduct(`${'Ж'.repeat(MB)} Монитор Dell Е2216Н`)).toMatchObject({
      family: 'monitor',
      model: 'E2216H',
      diagonal: 22,
    });
  });

  it('reads "server" and "storage" repeated a hundred thousand times as a family only with a model after them', () => {
    expect(describeProduct('Сервер '.repeat(150_000)).family).toBeNull();
    expect(describeProduct('Storage '.repeat(125_000)).family).toBeNull();
    expect(describeProduct(`${'Сервер '.repeat(150_000)}Dell R730 2U`)).toMatchObject({
      family: 'poweredge',
      model: 'R730',
    });
    expect(describeProduct(`${'СХД '.repeat(250_000)}Dell MD3420`)).toMatchObject({
      family: 'powervault',
      model: 'MD3420',
    });
    // The model must come after the word: before it, the word names no family.
    expect(describeProduct(`R730 ${'Сервер '.repeat(1000)}`).family).toBeNull();
  });
});
