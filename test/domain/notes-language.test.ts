/**
 * The `note` of an API answer in the reader's language (shared/domain/render/notes.ts): the English
 * sentences are the ones clients have always read; the Russian ones say the same with no English word.
 */
import { describe, expect, it } from 'vitest';
import { noteText, type ApiNote } from '../../shared/domain/render/notes.js';

const NOTES: ApiNote[] = [
  { code: 'change-evaluating', params: { request: 'chg-1' } },
  { code: 'change-saved', params: { quarters: ['2016-Q1', '2016-Q2'] } },
  { code: 'change-saved', params: { quarters: [] } },
  { code: 'closed-live', params: { quarter: '2016-Q1' } },
  { code: 'payment-recorded', params: { amount: '12345.60', partner: 'RU1', distributor: 'alfa', quarter: '2016-Q1' } },
  { code: 'redemption-repeated', params: {} },
  {
    code: 'redeemed',
    params: {
      reason: 'Redeemed 9,620 points for Ray-Ban Aviator sunglasses (request r1), recorded by finance fin1',
      points: 9620,
      rewardName: 'солнцезащитные очки Ray-Ban Aviator',
      request: 'r1',
      role: 'finance',
      sub: 'fin1',
    },
  },
];

// What a note names as the data writes it: IDs, quarters, the request, brand and model names.
const NAMED = new Set(['chg', 'RU1', 'alfa', 'Ray', 'Ban', 'Aviator', 'r1', 'fin1', 'Q1', 'Q2']);

describe('API notes', () => {
  it('in English, the sentences as before', () => {
    expect(NOTES.map((n) => noteText(n, 'en'))).toEqual([
      'Not saved yet: a quarter is closed, so this change is being checked against its figures. ' +
        'If it changes none, it is saved; if it does, it waits for a program manager or finance user other than you to approve it. ' +
        'Follow it under approvals (request chg-1).',
      'Saved. The payouts of 2016-Q1, 2016-Q2 are being recomputed and will show the change shortly.',
      'Saved. No quarter has rules yet, so nothing is recomputed.',
      'Live recalculation of closed quarter 2016-Q1: not what was paid. The frozen figures are the default view.',
      'Recorded: 12345.60 RUB paid to RU1 for alfa in 2016-Q1. The export marks it.',
      'This request was already recorded; nothing was spent twice.',
      'Redeemed: Redeemed 9,620 points for Ray-Ban Aviator sunglasses (request r1), recorded by finance fin1.',
    ]);
  });

  it('in Russian, each its own sentence with no English word but the names it quotes', () => {
    const texts = NOTES.map((n) => noteText(n, 'ru'));
    expect(new Set(texts).size).toBe(NOTES.length);
    for (const text of texts) {
      expect(text).toMatch(/[А-Яа-яЁё]/);
      expect((text.match(/[A-Za-z][A-Za-z0-9]+/g) ?? []).filter((w) => !NAMED.has(w)), text).toEqual([]);
    }
    expect(texts[4]).toContain('12\u00a0345,60 руб.');
    expect(texts[6]).toBe('Списано 9\u00a0620 баллов за «солнцезащитные очки Ray-Ban Aviator» (запрос r1), записал(а): финансы fin1.');
  });
});
