/**
 * A payout line as the API answers it (functions/api/http.ts): the missing courses in the reader's
 * language, from the groups the line names, and from the English list of lines stored before codes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { payoutLineJson } from '../../functions/api/http.js';
import { decodePayoutResult } from '../../shared/adapters/dynamo/payout-item.js';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import type { PartnerQuarterResult } from '../../shared/domain/types.js';
import { encodePayoutResult } from '../../shared/pipeline/payout-content.js';
import { aReference, aTally, aTraining, anAcceptance, sampleRules } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const SALES = ['DBSS0109WBTS', 'DTRSS0309WBTS', 'VRTX0613WBTS', 'DDCN0613WBTS'];
const TECHNICAL = ['DBSSTT0409WBTT', 'DPES0909WBTT', 'VRTXT0613WBTT', 'DAN0214WBTT'];
const reader = { role: 'finance' } as const;

const enterprise = (courses: string[]): PartnerQuarterResult =>
  calculatePartnerQuarter(
    rules,
    aReference({ acceptances: [anAcceptance('enterprise', 5)], trainings: courses.map((c) => aTraining(c)) }),
    'P1',
    [aTally('enterprise', '2xx-3xx', 5)],
  );
/** Through the payout item, which leaves `missingCourses` out when the named groups give it. */
const stored = (r: PartnerQuarterResult): PartnerQuarterResult =>
  decodePayoutResult(JSON.parse(JSON.stringify(encodePayoutResult(r))) as Record<string, unknown>);
const coursesSaid = (r: PartnerQuarterResult, lang: 'en' | 'ru') =>
  r.lines.map((l) => payoutLineJson(l, undefined, lang, reader).explanation.missingCourses);

describe('missing courses in the reader language', () => {
  test('groups of several courses say "one of" in English and "один из" in Russian, computed or stored', () => {
    for (const r of [enterprise([]), stored(enterprise([]))]) {
      expect(coursesSaid(r, 'en')).toEqual([[`one of ${SALES.join(', ')}`, `one of ${TECHNICAL.join(', ')}`]]);
      expect(coursesSaid(r, 'ru')).toEqual([[`один из: ${SALES.join(', ')}`, `один из: ${TECHNICAL.join(', ')}`]]);
    }
  });

  test('a group of one course is its code in either language', () => {
    const r = calculatePartnerQuarter(rules, aReference({ acceptances: [anAcceptance('client')] }), 'P1', [
      aTally('client', 'premium', 50, { gate: 'rugged' }),
    ]);
    expect(coursesSaid(r, 'en')).toEqual([['LATRUGGED-SALES']]);
    expect(coursesSaid(r, 'ru')).toEqual([['LATRUGGED-SALES']]);
  });

  test('a line without missing courses has none in either language', () => {
    const r = enterprise([SALES[0]!, TECHNICAL[0]!]);
    expect(coursesSaid(r, 'ru')).toEqual([null]);
  });

  test('an item stored before codes, with only the English list, is said in Russian too', () => {
    const before = JSON.parse(
      readFileSync(new URL('../adapters/fixtures/payout-items-before-codes.json', import.meta.url), 'utf8'),
    ) as { result: Record<string, unknown> }[];
    const r = decodePayoutResult(before.find((i) => (i.result as { partnerId: string }).partnerId === 'RU100106')!.result);
    const gated = r.lines.filter((l) => l.explanation.missingCourses);
    expect(gated.length).toBeGreaterThan(0);
    for (const l of gated) {
      expect(l.explanation.params?.missing).toBeUndefined();
      expect(payoutLineJson(l, undefined, 'en', reader).explanation.missingCourses).toEqual([`one of ${TECHNICAL.join(', ')}`]);
      expect(payoutLineJson(l, undefined, 'ru', reader).explanation.missingCourses).toEqual([`один из: ${TECHNICAL.join(', ')}`]);
    }
  });
});
