import { readFileSync } from 'node:fs';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  InputValidationError,
  InsufficientPointsError,
  RewardOnRequestError,
  UnknownRewardError,
} from '../../shared/errors.js';
import {
  balance,
  earningsFor,
  reconcileLedger,
  redeem,
  type LedgerEntry,
  type PointsEarning,
} from '../../shared/domain/points.js';
import { parseRules, type Rules } from '../../shared/domain/rules/load.js';
import type { PointsCampaign } from '../../shared/domain/rules/schema.js';
import type { PartnerQuarterResult, PayoutLine, Training } from '../../shared/domain/types.js';
import { reasonOf } from '../support/render.js';
import { ledgerEntryReason } from '../../shared/domain/render/index.js';

const sample = JSON.parse(readFileSync(new URL('../../samples/rules/2016-Q1.json', import.meta.url), 'utf8'));
const sampleRules = parseRules(sample);

/** The 2016-Q1 sample rules with the points campaign changed, so each test states its own rates. */
function rulesWith(points: Partial<PointsCampaign>): Rules {
  return parseRules({ ...sample, points: { ...sample.points, ...points } });
}

const PARTNER = '12345';
const Q = '2016-Q1';
const AT = '2016-05-10T09:00:00+03:00';

function line(
  distributorId: string,
  program: string,
  rateRow: string,
  paidUnits: number,
  units = paidUnits,
): PayoutLine {
  const rate = new Decimal(paidUnits > 0 ? '1155' : '0');
  return {
    quarter: Q,
    partnerId: PARTNER,
    distributorId,
    program,
    rateRow,
    units,
    paidUnits,
    rate,
    amount: rate.times(paidUnits),
    explanation: {
      code: 'stored-text',
      params: { text: 'test line' },
      reason: paidUnits > 0 ? null : 'plan-not-met',
      plan: paidUnits > 0 ? 50 : null,
      planBasis: paidUnits > 0 ? 'highest-reached' : null,
      programUnits: units,
      missingUnits: null,
      missingCourses: null,
      lateCourses: null,
    },
    warnings: [],
  };
}

function result(lines: PayoutLine[], quarter = Q): PartnerQuarterResult {
  return {
    quarter,
    partnerId: PARTNER,
    rulesVersion: '2016-Q1.1',
    lines,
    progress: [],
    total: lines.reduce((s, l) => s.plus(l.amount), new Decimal(0)),
    warnings: [],
  };
}

const course = (courseCode: string, completedAt: string, partnerId = PARTNER): Training => ({
  partnerId,
  courseCode,
  completedAt,
});

/** Points the ledger holds per source for one quarter (redemptions excluded). */
function heldBySource(entries: readonly LedgerEntry[], quarter: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) if (e.quarter === quarter) m.set(e.source, (m.get(e.source) ?? 0) + e.points);
  return m;
}

/** Reconciles and returns the whole ledger afterwards. */
function reconcile(ledger: LedgerEntry[], target: PointsEarning[], at = AT, quarter = Q): LedgerEntry[] {
  return [...ledger, ...reconcileLedger(ledger, PARTNER, quarter, target, at)];
}

const earning = (source: string, points: number): PointsEarning => ({
  source,
  points,
  reason: { code: 'stored-text', params: { text: `${source} earns ${points}` } },
});

describe('earning points for paid units (points per unit per rate row)', () => {
  const rules = rulesWith({ pointsPerUnit: { 'client/premium': 75, 'monitors/24-25': 15 } });

  it('earns paid units × the row rate, one earning per payout line, sourced to that line', () => {
    const earned = earningsFor(
      rules,
      result([
        line('marvel', 'client', 'premium', 12),
        line('ocs', 'client', 'premium', 3),
        line('marvel', 'monitors', '24-25', 40),
      ]),
      [],
    );
    expect(earned.map((e) => [e.source, e.points])).toEqual([
      ['payout:2016-Q1/12345/marvel/client/premium', 12 * 75],
      ['payout:2016-Q1/12345/marvel/monitors/24-25', 40 * 15],
      ['payout:2016-Q1/12345/ocs/client/premium', 3 * 75],
    ]);
    expect(reasonOf(earned[0]!)).toBe(
      '12 paid units of client/premium at distributor marvel × 75 points (example campaign rate)',
    );
  });

  it('sources a line by its keys and names its distributor as written', () => {
    const [earned] = earningsFor(
      rules,
      result([{ ...line('d-merl', 'client', 'premium', 2), distributorDisplayId: 'D-MERL' }]),
      [],
    );
    expect(earned!.source).toBe('payout:2016-Q1/12345/d-merl/client/premium');
    expect(reasonOf(earned!)).toMatch(/^2 paid units of client\/premium at distributor D-MERL × 75 points/);
  });

  it('counts only paid units: a line that pays nothing earns nothing, and units beyond the paid ones earn nothing', () => {
    const earned = earningsFor(
      rules,
      result([line('marvel', 'client', 'premium', 0, 30), line('ocs', 'client', 'premium', 4, 10)]),
      [],
    );
    expect(earned.map((e) => [e.source, e.points])).toEqual([
      ['payout:2016-Q1/12345/ocs/client/premium', 4 * 75],
    ]);
  });

  it('rows the campaign does not list earn no points', () => {
    expect(earningsFor(rules, result([line('marvel', 'enterprise', '6xx-9xx', 7)]), [])).toEqual([]);
  });

  it('refuses a payout result of another quarter than the rules', () => {
    expect(() => earningsFor(rules, result([], '2016-Q2'), [])).toThrow(InputValidationError);
  });
});

describe('earning points for trainings (points per completed course)', () => {
  const rules = rulesWith({ pointsPerCourse: { default: 500, byCourse: { DPWT0212WBTT: 800 } } });
  const earned = (trainings: Training[]) =>
    earningsFor(rules, result([]), trainings).map((e) => [e.source, e.points]);

  it('earns the default per course, or the course’s own rate when it has one', () => {
    expect(
      earned([
        course('DPWS0212WBTS', '2016-02-15T10:00:00+03:00'),
        course('DPWT0212WBTT', '2016-03-01T10:00:00+03:00'),
      ]),
    ).toEqual([
      ['course:DPWS0212WBTS', 500],
      ['course:DPWT0212WBTT', 800],
    ]);
  });

  it('matches course codes in any case: one source per course, named as the first completion writes it', () => {
    const out = earningsFor(rules, result([]), [
      course('DPWT0212WBTT', '2016-03-02T10:00:00+03:00'),
      course('dpwt0212wbtt', '2016-03-01T10:00:00+03:00'),
    ]);
    expect(out.map((e) => [e.source, e.points])).toEqual([['course:DPWT0212WBTT', 800]]);
    expect(reasonOf(out[0]!)).toMatch(/^Course dpwt0212wbtt completed on 2016-03-01 /);
  });

  it('earns once per course code in a quarter, naming the first completion', () => {
    const out = earningsFor(rules, result([]), [
      course('DBSS0109WBTS', '2016-03-20T10:00:00+03:00'),
      course('DBSS0109WBTS', '2016-02-10T10:00:00+03:00'),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]!.points).toBe(500);
    expect(reasonOf(out[0]!)).toBe(
      'Course DBSS0109WBTS completed on 2016-02-10 (Moscow time): 500 points (example campaign rate)',
    );
  });

  it('counts courses completed within the quarter on Moscow time, and no others', () => {
    expect(
      earned([
        course('BEFORE', '2016-01-29T23:59:59+03:00'),
        course('FIRST-MINUTE', '2016-01-29T21:00:00Z'), // 2016-01-30 00:00 in Moscow
        course('LAST-SECOND', '2016-04-29T23:59:59+03:00'),
        course('Q2-FIRST-INSTANT', '2016-04-30T00:00:00+03:00'),
        course('AFTER-UTC', '2016-04-29T21:30:00Z'), // 2016-04-30 00:30 in Moscow: next quarter
        course('NEXT-QUARTER', '2016-05-15T10:00:00+03:00'),
      ]),
    ).toEqual([
      ['course:FIRST-MINUTE', 500],
      ['course:LAST-SECOND', 500],
    ]);
  });

  it('ignores other partners’ trainings and rejects an unreadable completion time', () => {
    expect(earned([course('DPWS0212WBTS', '2016-02-15T10:00:00+03:00', '99999')])).toEqual([]);
    expect(() => earned([course('DPWS0212WBTS', 'yesterday')])).toThrow(InputValidationError);
  });
});

describe('reasons say when the campaign rates are examples', () => {
  const inputs = [
    result([line('marvel', 'client', 'premium', 2)]),
    [course('DPWS0212WBTS', '2016-02-15T10:00:00+03:00')],
  ] as const;

  it('the sample campaign is an example campaign and every reason says so', () => {
    expect(sampleRules.file.points.ratesAreExamples).toBe(true);
    const out = earningsFor(sampleRules, ...inputs);
    expect(out).toHaveLength(2);
    for (const e of out) expect(reasonOf(e)).toContain('example campaign rate');
  });

  it('a real campaign’s reasons do not', () => {
    for (const e of earningsFor(rulesWith({ ratesAreExamples: false }), ...inputs))
      expect(reasonOf(e)).not.toContain('example');
  });
});

describe('the append-only ledger: recalculation appends the difference', () => {
  it('first calculation appends one earn entry per source, stamped with the given time', () => {
    const target = [
      earning('course:DPWS0212WBTS', 500),
      earning('payout:2016-Q1/12345/marvel/client/premium', 900),
    ];
    const added = reconcileLedger([], PARTNER, Q, target, AT);
    expect(added.map((e) => [e.kind, e.source, e.points, e.quarter, e.at])).toEqual([
      ['earn', 'course:DPWS0212WBTS', 500, Q, AT],
      ['earn', 'payout:2016-Q1/12345/marvel/client/premium', 900, Q, AT],
    ]);
    expect(added[0]!.reason).toBe('course:DPWS0212WBTS earns 500');
    expect(balance(added)).toBe(1400);
  });

  it('a higher target appends the increase, a lower one the decrease, a vanished source is reversed to 0', () => {
    let ledger = reconcile([], [earning('a', 500), earning('b', 900), earning('c', 300)]);
    const added = reconcileLedger(
      ledger,
      PARTNER,
      Q,
      [earning('a', 700), earning('b', 600)],
      '2016-06-01T12:00:00+03:00',
    );
    expect(added.map((e) => [e.kind, e.source, e.points])).toEqual([
      ['adjust', 'a', 200],
      ['adjust', 'b', -300],
      ['adjust', 'c', -300],
    ]);
    expect(added.find((e) => e.source === 'c')!.reason).toContain('Reversed');
    ledger = [...ledger, ...added];
    expect(Object.fromEntries(heldBySource(ledger, Q))).toEqual({ a: 700, b: 600, c: 0 });
    expect(ledger).toHaveLength(6); // nothing rewritten: the first three entries are still there
  });

  it('running again with the same target appends nothing, and the same inputs give the same entries', () => {
    const target = [earning('a', 500), earning('b', 900)];
    const first = reconcileLedger([], PARTNER, Q, target, AT);
    expect(reconcileLedger([], PARTNER, Q, target, AT)).toEqual(first);
    expect(reconcileLedger(first, PARTNER, Q, target, '2016-07-01T00:00:00+03:00')).toEqual([]);
  });

  it('entry IDs come from quarter, source and a sequence number', () => {
    let ledger = reconcile([], [earning('a', 500)]);
    ledger = reconcile(ledger, [earning('a', 400)]);
    expect(ledger.map((e) => e.entryId)).toEqual(['2016-Q1#a#0001', '2016-Q1#a#0002']);
  });

  it('never writes zero-point entries', () => {
    expect(reconcileLedger([], PARTNER, Q, [earning('a', 0)], AT)).toEqual([]);
  });

  it('leaves other quarters, other partners and redemptions alone', () => {
    const q2 = reconcileLedger([], PARTNER, '2016-Q2', [earning('a', 1000)], AT);
    const other = reconcileLedger([], '99999', Q, [earning('a', 50)], AT);
    const added = reconcileLedger([...q2, ...other], PARTNER, Q, [earning('a', 300)], AT);
    expect(added.map((e) => [e.quarter, e.source, e.points])).toEqual([[Q, 'a', 300]]);
  });

  it('rejects a target that names a source twice, negative or fractional points, or a time without offset', () => {
    expect(() => reconcileLedger([], PARTNER, Q, [earning('a', 1), earning('a', 2)], AT)).toThrow(
      InputValidationError,
    );
    expect(() => reconcileLedger([], PARTNER, Q, [earning('a', -1)], AT)).toThrow(InputValidationError);
    expect(() => reconcileLedger([], PARTNER, Q, [earning('a', 1.5)], AT)).toThrow(InputValidationError);
    expect(() => reconcileLedger([], PARTNER, Q, [earning('a', 1)], '2016-05-10T09:00:00')).toThrow(
      InputValidationError,
    );
  });
});

describe('the redemption catalog', () => {
  const rules = sampleRules;
  const funded = (points: number) => reconcile([], [earning('course:X', points)]);

  it.each([
    ['ray-ban-aviator', 9_620],
    ['eminent-move-air-trolley', 20_170],
    ['latitude-10-tablet', 64_310],
  ])('%s costs %i points: a balance of exactly that redeems it and leaves 0', (rewardId, price) => {
    const ledger = funded(price);
    const entry = redeem(rules, ledger, PARTNER, rewardId, AT, 'req-1');
    expect(entry).toMatchObject({
      kind: 'redeem',
      points: -price,
      source: `reward:${rewardId}:req-1`,
      quarter: null,
      partnerId: PARTNER,
      at: AT,
    });
    expect(balance([...ledger, entry])).toBe(0);
    // Its reason is kept in English and said from its code in either language.
    expect(ledgerEntryReason(entry, 'en')).toBe(entry.reason);
    expect(ledgerEntryReason(entry, 'ru')).toMatch(/^Списано \d[\d\s]* баллов за «.+» \(запрос req-1\)$/);
  });

  it('refuses when the balance is short, naming both figures', () => {
    const attempt = () => redeem(rules, funded(9_619), PARTNER, 'ray-ban-aviator', AT, 'req-1');
    expect(attempt).toThrow(InsufficientPointsError);
    expect(attempt).toThrow(/9,620 points.*9,619 points/);
  });

  it('concierge experiences are on request: arranged with the program manager, not redeemed for points', () => {
    const attempt = () => redeem(rules, funded(1_000_000), PARTNER, 'concierge', AT, 'req-1');
    expect(attempt).toThrow(RewardOnRequestError);
    expect(attempt).toThrow(/program manager/);
  });

  it('an unknown reward is refused as bad input', () => {
    const attempt = () => redeem(rules, funded(100_000), PARTNER, 'yacht', AT, 'req-1');
    expect(attempt).toThrow(UnknownRewardError);
    expect(attempt).toThrow(InputValidationError);
  });

  it('the same request twice redeems once', () => {
    let ledger = funded(25_000);
    const first = redeem(rules, ledger, PARTNER, 'ray-ban-aviator', AT, 'req-7');
    ledger = [...ledger, first];
    const again = redeem(rules, ledger, PARTNER, 'ray-ban-aviator', '2016-05-11T09:00:00+03:00', 'req-7');
    expect(again).toEqual(first);
    expect(balance(ledger)).toBe(25_000 - 9_620);
    expect(() => redeem(rules, ledger, PARTNER, 'eminent-move-air-trolley', AT, 'req-7')).toThrow(
      InputValidationError,
    );
  });

  it('only the partner’s own points count', () => {
    const someoneElse = reconcileLedger([], '99999', Q, [earning('course:X', 50_000)], AT);
    expect(() => redeem(rules, someoneElse, PARTNER, 'ray-ban-aviator', AT, 'req-1')).toThrow(
      InsufficientPointsError,
    );
  });
});

describe('a balance never goes negative', () => {
  it('a reversal of points already redeemed is cut to the balance and says how much could not be reversed', () => {
    let ledger = reconcile([], [earning('a', 10_000)]);
    ledger = [...ledger, redeem(sampleRules, ledger, PARTNER, 'ray-ban-aviator', AT, 'req-1')];
    expect(balance(ledger)).toBe(380);

    const cut = reconcileLedger(ledger, PARTNER, Q, [earning('a', 2_000)], AT);
    expect(cut.map((e) => e.points)).toEqual([-380]);
    expect(cut[0]!.reason).toContain('7,620 points could not be reversed');
    ledger = [...ledger, ...cut];
    expect(balance(ledger)).toBe(0);

    // Rerun with nothing new: the shortfall cannot be taken from anywhere, so nothing is appended.
    expect(reconcileLedger(ledger, PARTNER, Q, [earning('a', 2_000)], AT)).toEqual([]);
  });

  it('the shortfall is taken back from later points of the same quarter', () => {
    let ledger = reconcile([], [earning('a', 10_000)]);
    ledger = [...ledger, redeem(sampleRules, ledger, PARTNER, 'ray-ban-aviator', AT, 'req-1')];
    ledger = reconcile(ledger, [earning('a', 2_000)]); // 7,620 still owed
    const later = reconcileLedger(ledger, PARTNER, Q, [earning('a', 2_000), earning('course:B', 500)], AT);
    expect(later.map((e) => [e.source, e.points])).toEqual([
      ['course:B', 500],
      ['a', -500],
    ]);
    ledger = [...ledger, ...later];
    expect(balance(ledger)).toBe(0);
    expect(heldBySource(ledger, Q).get('a')).toBe(2_000 + 7_620 - 500);
  });
});
