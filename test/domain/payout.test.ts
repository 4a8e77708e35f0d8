/**
 * Who earns and how much: program rules §2 (who earns), §4 (plans, thresholds, returns) and §5
 * (trainings), on the 2016-Q1 rules file.
 */
import { describe, expect, test } from 'vitest';
import { RulesValidationError } from '../../shared/errors.js';
import { calculatePartnerQuarter, calculateQuarter } from '../../shared/domain/payout.js';
import { parseRules } from '../../shared/domain/rules/load.js';
import type { PartnerQuarterResult, PartnerReference, TallyRow } from '../../shared/domain/types.js';
import {
  IN_Q1,
  aPartner,
  aReference,
  aTally,
  aTraining,
  anAcceptance,
  sampleRules,
  sampleRulesJson,
  trainedFor,
} from '../support/domain-fixtures.js';
import { said, summary, warned } from '../support/render.js';

const rules = sampleRules('2016-Q1');

function pay(ref: PartnerReference, tallies: TallyRow[]): PartnerQuarterResult {
  return calculatePartnerQuarter(rules, ref, 'P1', tallies);
}

function lineOf(result: PartnerQuarterResult, rateRow: string, distributorId = 'D1') {
  const line = result.lines.find((l) => l.rateRow === rateRow && l.distributorId === distributorId);
  if (!line) throw new Error(`no line ${distributorId}/${rateRow}`);
  return line;
}

const acceptedClient = (plan: number | null = null) =>
  aReference({ acceptances: [anAcceptance('client', plan)] });

describe('§2.1 The partner is registered', () => {
  test('a partner missing from the registry earns nothing on any line', () => {
    const ref = aReference({
      partner: null,
      acceptances: [anAcceptance('client', 50), anAcceptance('monitors', 100)],
    });
    const result = pay(ref, [
      aTally('client', 'premium', 60),
      aTally('monitors', '30-55', 120, { distributorId: 'D2' }),
    ]);

    expect(result.lines).toHaveLength(2);
    for (const line of result.lines) {
      expect(line.amount.toFixed(2)).toBe('0.00');
      expect(line.paidUnits).toBe(0);
      expect(line.explanation.reason).toBe('partner-not-registered');
      expect(said(line)).toContain('not a registered partner');
    }
    expect(result.total.toFixed(2)).toBe('0.00');
  });

  test('Registered and Preferred partners both earn', () => {
    for (const status of ['Registered', 'Preferred'] as const) {
      const ref = aReference({ partner: aPartner({ status }), acceptances: [anAcceptance('client', 50)] });
      expect(pay(ref, [aTally('client', 'premium', 50)]).total.toFixed(2)).toBe('57750.00');
    }
  });
});

describe('§2.2 The partner accepted that program strictly before the deadline (2016-04-01 00:00 Moscow)', () => {
  const clientAt = (acceptedAt: string) =>
    pay(aReference({ acceptances: [anAcceptance('client', 50, { acceptedAt })] }), [
      aTally('client', 'premium', 50),
    ]);

  test('one second before midnight on 31 March is in time', () => {
    const line = clientAt('2016-03-31T23:59:59+03:00').lines[0]!;
    expect(line.explanation.reason).toBeNull();
    expect(line.amount.toFixed(2)).toBe('57750.00');
  });

  test('exactly 2016-04-01T00:00:00+03:00 is too late, and the explanation names both instants', () => {
    const line = clientAt('2016-04-01T00:00:00+03:00').lines[0]!;
    expect(line.explanation.reason).toBe('accepted-late');
    expect(line.amount.toFixed(2)).toBe('0.00');
    expect(said(line)).toMatch(
      /accepted the client program at 2016-04-01T00:00:00\+03:00.*deadline 2016-04-01T00:00:00\+03:00/,
    );
  });

  test('2016-03-31T21:00:00Z is the deadline itself written in UTC: too late, shown in Moscow time', () => {
    const line = clientAt('2016-03-31T21:00:00Z').lines[0]!;
    expect(line.explanation.reason).toBe('accepted-late');
    expect(said(line)).toContain('at 2016-04-01T00:00:00+03:00');
  });

  test('2016-03-31T20:59:59Z (23:59:59 Moscow) is in time', () => {
    expect(clientAt('2016-03-31T20:59:59Z').lines[0]!.explanation.reason).toBeNull();
  });

  test('accepting another program does not count for this one', () => {
    const ref = aReference({ acceptances: [anAcceptance('monitors', 100), anAcceptance('enterprise', 5)] });
    const line = pay(ref, [aTally('client', 'premium', 80)]).lines[0]!;
    expect(line.explanation.reason).toBe('program-not-accepted');
    expect(said(line)).toContain(
      'did not accept the client program before the deadline 2016-04-01T00:00:00+03:00',
    );
    expect(line.amount.toFixed(2)).toBe('0.00');
  });

  test('of several acceptances, the latest one before the deadline counts (with its plan), in any order', () => {
    const acceptances = [
      anAcceptance('client', 150, { acceptedAt: '2016-02-01T10:00:00+03:00' }),
      anAcceptance('client', 50, { acceptedAt: '2016-03-20T10:00:00+03:00' }),
      anAcceptance('client', 150, { acceptedAt: '2016-04-05T10:00:00+03:00' }), // late: ignored
    ];
    for (const order of [acceptances, [...acceptances].reverse()]) {
      const result = pay(aReference({ acceptances: order }), [aTally('client', 'vostro-3xxx', 100)]);
      expect(result.lines[0]!.explanation.plan).toBe(50);
      expect(result.lines[0]!.explanation.planBasis).toBe('chosen');
      expect(result.lines[0]!.amount.toFixed(2)).toBe('15400.00'); // 100 × 154 (plan 50 column)
    }
  });

  describe('a partner who accepted more than once: the latest acceptance strictly before the deadline counts', () => {
    const FEB_1 = '2016-02-01T10:00:00+03:00';
    const MAR_20 = '2016-03-20T10:00:00+03:00';
    const APR_5 = '2016-04-05T10:00:00+03:00'; // after the deadline
    const both = <T>(rows: T[]): T[][] => [rows, [...rows].reverse()];

    test('plan 150 then plan 50, both in time: plan 50 applies, in either order', () => {
      const rows = [
        anAcceptance('client', 150, { acceptedAt: FEB_1 }),
        anAcceptance('client', 50, { acceptedAt: MAR_20 }),
      ];
      for (const order of both(rows)) {
        const line = pay(aReference({ acceptances: order }), [aTally('client', 'vostro-3xxx', 100)])
          .lines[0]!;
        expect(line.explanation).toMatchObject({ reason: null, plan: 50, planBasis: 'chosen' });
        expect(line.amount.equals(rules.rate('client', 'vostro-3xxx', 50).times(100))).toBe(true);
        expect(line.explanation.acceptance).toEqual({
          used: { plan: 50, acceptedAt: MAR_20 },
          ignored: [{ plan: 150, acceptedAt: FEB_1, why: 'superseded' }],
        });
        expect(said(line)).toContain(
          'The client acceptance counted is the one made at 2016-03-20T10:00:00+03:00 with plan 50; ignored: ' +
            'the one made at 2016-02-01T10:00:00+03:00 with plan 150 (a later one replaces it).',
        );
      }
    });

    test('plan 50 then plan 150, both in time: plan 150 must be met, in either order', () => {
      const rows = [
        anAcceptance('client', 50, { acceptedAt: FEB_1 }),
        anAcceptance('client', 150, { acceptedAt: MAR_20 }),
      ];
      for (const order of both(rows)) {
        const line = pay(aReference({ acceptances: order }), [aTally('client', 'vostro-3xxx', 100)])
          .lines[0]!;
        expect(line.explanation).toMatchObject({ reason: 'plan-not-met', missingUnits: 50 });
        expect(line.amount.toFixed(2)).toBe('0.00');
        expect(line.explanation.acceptance?.used).toEqual({ plan: 150, acceptedAt: MAR_20 });
      }
    });

    test('in time, then after the deadline: the in-time one applies and the late one is named as ignored', () => {
      const rows = [
        anAcceptance('client', 50, { acceptedAt: FEB_1 }),
        anAcceptance('client', 150, { acceptedAt: APR_5 }),
      ];
      for (const order of both(rows)) {
        const result = pay(aReference({ acceptances: order }), [aTally('client', 'vostro-3xxx', 100)]);
        const line = result.lines[0]!;
        expect(line.explanation).toMatchObject({ reason: null, plan: 50, planBasis: 'chosen' });
        expect(line.amount.equals(rules.rate('client', 'vostro-3xxx', 50).times(100))).toBe(true);
        expect(line.explanation.acceptance).toEqual({
          used: { plan: 50, acceptedAt: FEB_1 },
          ignored: [{ plan: 150, acceptedAt: APR_5, why: 'late' }],
        });
        expect(said(line)).toContain(
          'ignored: the one made at 2016-04-05T10:00:00+03:00 with plan 150 (not before the deadline 2016-04-01T00:00:00+03:00)',
        );
        expect(summary(result.progress[0]!)).toBe(
          'client: 100 units; chosen plan 50 met; acceptance of 2016-02-01T10:00:00+03:00 counts (ignored: 2016-04-05T10:00:00+03:00 late)',
        );
        expect(result.progress[0]!.acceptance).toEqual(line.explanation.acceptance);
      }
    });

    test('two acceptances at the same instant: the higher plan counts, whatever the order', () => {
      const rows = [anAcceptance('client', 50), anAcceptance('client', 150), anAcceptance('client', null)];
      for (const order of both(rows)) {
        const line = pay(aReference({ acceptances: order }), [aTally('client', 'vostro-3xxx', 160)])
          .lines[0]!;
        expect(line.explanation).toMatchObject({ plan: 150, planBasis: 'chosen' });
        expect(line.explanation.acceptance?.ignored.map((a) => [a.plan, a.why])).toEqual([
          [null, 'superseded'],
          [50, 'superseded'],
        ]);
      }
    });

    test('the same acceptance recorded twice, once written in UTC, is one acceptance', () => {
      const line = pay(
        aReference({
          acceptances: [
            anAcceptance('client', 50, { acceptedAt: FEB_1 }),
            anAcceptance('client', 50, {
              acceptedAt: '2016-02-01T07:00:00Z',
              recordedAt: '2016-05-01T09:00:00Z',
            }),
          ],
        }),
        [aTally('client', 'vostro-3xxx', 60)],
      ).lines[0]!;
      expect(line.explanation.acceptance?.ignored).toEqual([]);
      expect(said(line)).not.toContain('ignored');
    });

    test('only acceptances after the deadline: nothing is paid and each is named', () => {
      const rows = [
        anAcceptance('client', 50, { acceptedAt: APR_5 }),
        anAcceptance('client', null, { acceptedAt: '2016-04-01T00:00:00+03:00' }),
      ];
      for (const order of both(rows)) {
        const line = pay(aReference({ acceptances: order }), [aTally('client', 'vostro-3xxx', 60)]).lines[0]!;
        expect(line.explanation.reason).toBe('accepted-late');
        expect(line.amount.toFixed(2)).toBe('0.00');
        expect(said(line)).toContain(
          'the partner accepted the client program 2 times, none before the deadline 2016-04-01T00:00:00+03:00 ' +
            '(at 2016-04-01T00:00:00+03:00 with no plan, at 2016-04-05T10:00:00+03:00 with plan 50)',
        );
        expect(line.explanation.acceptance).toEqual({
          used: null,
          ignored: [
            { plan: null, acceptedAt: '2016-04-01T00:00:00+03:00', why: 'late' },
            { plan: 50, acceptedAt: APR_5, why: 'late' },
          ],
        });
      }
    });

    test('a latest acceptance naming no threshold is not replaced by the earlier valid one', () => {
      const rows = [
        anAcceptance('client', 50, { acceptedAt: FEB_1 }),
        anAcceptance('client', 100, { acceptedAt: MAR_20 }),
      ];
      for (const order of both(rows)) {
        const line = pay(aReference({ acceptances: order }), [aTally('client', 'vostro-3xxx', 60)]).lines[0]!;
        expect(line.explanation.reason).toBe('program-not-accepted');
        expect(line.explanation.acceptance).toEqual({
          used: { plan: 100, acceptedAt: MAR_20 },
          ignored: [{ plan: 50, acceptedAt: FEB_1, why: 'superseded' }],
        });
        expect(said(line)).toContain(
          'Other client acceptances ignored: the one made at 2016-02-01T10:00:00+03:00 with plan 50 (a later one replaces it).',
        );
      }
    });

    test('acceptances of another program neither count nor show as ignored', () => {
      const line = pay(
        aReference({
          acceptances: [anAcceptance('client', 50), anAcceptance('monitors', 300, { acceptedAt: MAR_20 })],
        }),
        [aTally('client', 'vostro-3xxx', 60)],
      ).lines[0]!;
      expect(line.explanation.acceptance).toEqual({ used: { plan: 50, acceptedAt: IN_Q1 }, ignored: [] });
    });
  });

  test('a chosen plan that is not one of the thresholds is not a valid acceptance, with a warning', () => {
    const result = pay(aReference({ acceptances: [anAcceptance('client', 100)] }), [
      aTally('client', 'premium', 160),
    ]);
    const line = result.lines[0]!;
    expect(line.explanation.reason).toBe('program-not-accepted');
    expect(said(line)).toContain('names plan 100, which is not one of its plans (50, 150)');
    expect(line.amount.toFixed(2)).toBe('0.00');
    expect(result.warnings.map(warned)).toEqual([
      expect.stringMatching(/^Partner P1: the client acceptance names plan 100/),
    ]);
    expect(result.progress[0]!.accepted).toBe(false);
  });
});

describe('§4 Units are counted per program across all distributors, net of returns', () => {
  test('returns at one distributor reduce the units counted toward the plan', () => {
    // 60 bought at D1, 15 returned at D2: 45 net, below plan 50.
    const result = pay(acceptedClient(), [
      aTally('client', 'premium', 60),
      aTally('client', 'premium', -15, { distributorId: 'D2' }),
    ]);
    expect(result.lines.map((l) => l.explanation.reason)).toEqual(['below-lowest-plan', 'below-lowest-plan']);
    expect(lineOf(result, 'premium').explanation.programUnits).toBe(45);
    expect(lineOf(result, 'premium').explanation.missingUnits).toBe(5);
    expect(result.total.toFixed(2)).toBe('0.00');
  });

  test('several tally rows of the same line (several reports) are summed', () => {
    const result = pay(acceptedClient(), [
      aTally('client', 'premium', 30),
      aTally('client', 'premium', 25),
      aTally('client', 'premium', -3),
    ]);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]!.units).toBe(52);
    expect(result.lines[0]!.amount.toFixed(2)).toBe('60060.00'); // 52 × 1155
  });

  test('a negative net at one distributor pays 0, never negative, and is reported as a warning', () => {
    const result = pay(acceptedClient(), [
      aTally('client', 'premium', 60),
      aTally('client', 'vostro-3xxx', 5, { distributorId: 'D2' }),
      aTally('client', 'vostro-3xxx', -8, { distributorId: 'D2' }),
    ]);
    const negative = lineOf(result, 'vostro-3xxx', 'D2');
    expect(negative.units).toBe(-3);
    expect(negative.paidUnits).toBe(0);
    expect(negative.amount.toFixed(2)).toBe('0.00');
    expect(negative.explanation.reason).toBe('negative-net');
    expect(said(negative)).toContain('the net is -3 units');
    expect(negative.warnings.map(warned)).toEqual([expect.stringContaining('net -3 units')]);
    expect(result.warnings).toEqual(negative.warnings);
    // The return still counts against the plan (57 net) and the other distributor pays.
    expect(lineOf(result, 'premium').explanation.programUnits).toBe(57);
    expect(result.total.toFixed(2)).toBe('69300.00'); // 60 × 1155
  });
});

describe('§4 If a plan was chosen it must be met', () => {
  test('chosen 150 with 149 units pays nothing, even though 50 is met', () => {
    const result = pay(acceptedClient(150), [
      aTally('client', 'premium', 100),
      aTally('client', 'vostro-3xxx', 49, { distributorId: 'D2' }),
    ]);
    for (const line of result.lines) {
      expect(line.explanation.reason).toBe('plan-not-met');
      expect(line.explanation.missingUnits).toBe(1);
      expect(line.explanation.plan).toBeNull();
      expect(line.rate.toFixed(2)).toBe('0.00');
      expect(said(line)).toContain('plan 150 was chosen');
      expect(said(line)).toContain('only 149 units counted');
      expect(said(line)).toContain('1 unit short');
    }
    expect(result.total.toFixed(2)).toBe('0.00');
  });

  test('chosen 50 with 200 units: the plan 50 column applies, not 150', () => {
    const line = pay(acceptedClient(50), [aTally('client', 'vostro-3xxx', 200)]).lines[0]!;
    expect(line.explanation.plan).toBe(50);
    expect(line.explanation.planBasis).toBe('chosen');
    expect(line.rate.toFixed(2)).toBe('154.00');
    expect(line.amount.toFixed(2)).toBe('30800.00');
  });

  test('chosen 150 and met: the plan 150 column applies', () => {
    const line = pay(acceptedClient(150), [aTally('client', 'vostro-3xxx', 150)]).lines[0]!;
    expect(line.rate.toFixed(2)).toBe('231.00');
    expect(line.amount.toFixed(2)).toBe('34650.00');
  });
});

describe('§4 If no plan was chosen, the highest threshold reached applies', () => {
  test.each([
    [149, 50, '154.00', '22946.00'],
    [150, 150, '231.00', '34650.00'],
    [400, 150, '231.00', '92400.00'],
  ])('%i units: plan %i column', (count, plan, rate, amount) => {
    const line = pay(acceptedClient(), [aTally('client', 'vostro-3xxx', count)]).lines[0]!;
    expect(line.explanation.plan).toBe(plan);
    expect(line.explanation.planBasis).toBe('highest-reached');
    expect(line.rate.toFixed(2)).toBe(rate);
    expect(line.amount.toFixed(2)).toBe(amount);
  });

  test('below the lowest threshold nothing is paid, and the missing units are given', () => {
    const line = pay(acceptedClient(), [aTally('client', 'premium', 37)]).lines[0]!;
    expect(line.explanation.reason).toBe('below-lowest-plan');
    expect(line.explanation.missingUnits).toBe(13);
    expect(said(line)).toContain('below the lowest threshold 50, 13 units short');
    expect(line.amount.toFixed(2)).toBe('0.00');
  });
});

describe('§3 Monitor units with a 0 rate still count toward the plan', () => {
  test('90 units at 17-20 plus 10 at 24-25 reach plan 100; 17-20 pays 0 (zero-rate), 24-25 pays 231', () => {
    const result = pay(aReference({ acceptances: [anAcceptance('monitors')] }), [
      aTally('monitors', '17-20', 90),
      aTally('monitors', '24-25', 10),
    ]);
    const zero = lineOf(result, '17-20');
    expect(zero.explanation.reason).toBe('zero-rate');
    expect(zero.explanation.plan).toBe(100);
    expect(zero.amount.toFixed(2)).toBe('0.00');
    expect(said(zero)).toContain('still count toward the plan');
    expect(lineOf(result, '24-25').amount.toFixed(2)).toBe('2310.00');
    expect(result.progress[0]!.appliedPlan).toBe(100);
  });

  test('at plan 300 the same rows pay 77 and 154', () => {
    const result = pay(aReference({ acceptances: [anAcceptance('monitors', 300)] }), [
      aTally('monitors', '17-20', 200),
      aTally('monitors', '22-23', 100),
    ]);
    expect(lineOf(result, '17-20').amount.toFixed(2)).toBe('15400.00');
    expect(lineOf(result, '22-23').amount.toFixed(2)).toBe('15400.00');
  });
});

describe('§5 Training-gated families count toward the plan but earn 0 until trained', () => {
  test('untrained Precision units count toward the client plan, earn 0, and name the missing courses', () => {
    const result = pay(acceptedClient(), [
      aTally('client', 'workstation', 45, { gate: 'precision' }),
      aTally('client', 'premium', 5, { distributorId: 'D2' }),
    ]);
    const precision = lineOf(result, 'workstation');
    expect(precision.explanation.programUnits).toBe(50);
    expect(precision.explanation.plan).toBe(50);
    expect(precision.paidUnits).toBe(0);
    expect(precision.amount.toFixed(2)).toBe('0.00');
    expect(precision.explanation.reason).toBe('training-missing');
    expect(precision.explanation.missingCourses).toEqual(['DPWS0212WBTS', 'DPWT0212WBTT']);
    expect(said(precision)).toContain('count toward the plan but earn 0');
    expect(said(precision)).toContain('DPWS0212WBTS');
    // Thanks to the Precision units, plan 50 is reached and the premium units pay.
    expect(lineOf(result, 'premium', 'D2').amount.toFixed(2)).toBe('5775.00');
  });

  test('Alienware in the same rate row is paid; untrained Precision beside it is not (partial payment)', () => {
    const line = pay(acceptedClient(), [
      aTally('client', 'workstation', 40),
      aTally('client', 'workstation', 10, { gate: 'precision' }),
    ]).lines[0]!;
    expect(line.units).toBe(50);
    expect(line.paidUnits).toBe(40);
    expect(line.amount.toFixed(2)).toBe('77000.00');
    expect(line.explanation.reason).toBe('training-missing');
    expect(said(line)).toContain('40 of the 50 units');
    expect(said(line)).toContain('The other 10 units are training-gated');
  });

  test('returned untrained Precision units reduce the line: never more paid units than its net', () => {
    const line = pay(acceptedClient(), [
      aTally('client', 'premium', 50, { distributorId: 'D2' }),
      aTally('client', 'workstation', 10),
      aTally('client', 'workstation', -3, { gate: 'precision' }),
    ]);
    expect(lineOf(line, 'workstation')).toMatchObject({ units: 7, paidUnits: 7 });
  });

  test('untrained Precision units never make up for Alienware returns: paid units stay at 0, not below', () => {
    const line = lineOf(
      pay(acceptedClient(), [
        aTally('client', 'premium', 50, { distributorId: 'D2' }),
        aTally('client', 'workstation', -5),
        aTally('client', 'workstation', 10, { gate: 'precision' }),
      ]),
      'workstation',
    );
    expect(line).toMatchObject({ units: 5, paidUnits: 0 });
    expect(line.explanation.reason).toBe('training-missing');
    expect(line.amount.toFixed(2)).toBe('0.00');
  });

  test('with only the sales training, the technical one is still missing', () => {
    const ref = aReference({ acceptances: [anAcceptance('client')], trainings: [aTraining('DPWS0212WBTS')] });
    const line = pay(ref, [aTally('client', 'workstation', 50, { gate: 'precision' })]).lines[0]!;
    expect(line.explanation.missingCourses).toEqual(['DPWT0212WBTT']);
  });

  test('with both Precision trainings the units are paid', () => {
    const ref = aReference({ acceptances: [anAcceptance('client')], trainings: trainedFor('precision') });
    const line = pay(ref, [aTally('client', 'workstation', 50, { gate: 'precision' })]).lines[0]!;
    expect(line.explanation.reason).toBeNull();
    expect(line.amount.toFixed(2)).toBe('96250.00');
  });

  test('Latitude Rugged needs its sales training', () => {
    const tallies = [aTally('client', 'premium', 50, { gate: 'rugged' })];
    const untrained = pay(acceptedClient(), tallies).lines[0]!;
    expect(untrained.explanation.reason).toBe('training-missing');
    expect(untrained.explanation.missingCourses).toEqual(['LATRUGGED-SALES']);
    expect(untrained.amount.toFixed(2)).toBe('0.00');

    const trained = pay(
      aReference({ acceptances: [anAcceptance('client')], trainings: trainedFor('rugged') }),
      tallies,
    );
    expect(trained.lines[0]!.amount.toFixed(2)).toBe('57750.00');
  });

  test('Precision training does not open the Rugged gate', () => {
    const ref = aReference({ acceptances: [anAcceptance('client')], trainings: trainedFor('precision') });
    expect(pay(ref, [aTally('client', 'premium', 50, { gate: 'rugged' })]).lines[0]!.explanation.reason).toBe(
      'training-missing',
    );
  });
});

describe('lines of one program with different sentences', () => {
  test('each line has its own reason, code and missing courses; lines with the same sentence share it', () => {
    const result = pay(acceptedClient(), [
      aTally('client', 'workstation', 45, { gate: 'precision' }),
      aTally('client', 'premium', 10, { gate: 'rugged' }),
      aTally('client', 'premium', 5, { distributorId: 'D2' }),
      aTally('client', 'workstation', 0, { distributorId: 'D2' }),
      aTally('client', 'premium', 3, { distributorId: 'D3' }),
      aTally('client', 'mainstream', -2, { distributorId: 'D3' }),
    ]);
    const ex = (rateRow: string, d: string) => lineOf(result, rateRow, d).explanation;
    expect(ex('workstation', 'D1')).toMatchObject({ code: 'training-missing', missingCourses: ['DPWS0212WBTS', 'DPWT0212WBTT'] });
    expect(ex('premium', 'D1')).toMatchObject({ code: 'training-missing', missingCourses: ['LATRUGGED-SALES'] });
    expect(ex('premium', 'D2')).toMatchObject({ code: 'paid', reason: null, missingCourses: null });
    expect(ex('workstation', 'D2')).toMatchObject({ code: 'net-zero', reason: null });
    expect(ex('mainstream', 'D3')).toMatchObject({ code: 'negative-net', reason: 'negative-net' });
    expect(ex('premium', 'D3')).toBe(ex('premium', 'D2'));
    expect(new Set(result.lines.map((l) => l.explanation)).size).toBe(5);
  });
});

describe('§5 The enterprise program needs one sales AND one technical training', () => {
  const SALES = ['DBSS0109WBTS', 'DTRSS0309WBTS', 'VRTX0613WBTS', 'DDCN0613WBTS'];
  const TECHNICAL = ['DBSSTT0409WBTT', 'DPES0909WBTT', 'VRTXT0613WBTT', 'DAN0214WBTT'];
  const enterprise = (courses: string[]) =>
    pay(
      aReference({
        acceptances: [anAcceptance('enterprise', 5)],
        trainings: courses.map((c) => aTraining(c)),
      }),
      [aTally('enterprise', '2xx-3xx', 3), aTally('enterprise', '6xx-9xx', 2, { distributorId: 'D2' })],
    );

  test.each(SALES.map((s, i) => [s, TECHNICAL[i]!]))(
    'any sales (%s) with any technical (%s) opens the program',
    (s, t) => {
      const result = enterprise([s, t]);
      expect(result.lines.map((l) => l.explanation.reason)).toEqual([null, null]);
      expect(result.total.toFixed(2)).toBe('13860.00'); // 3 × 1540 + 2 × 4620
    },
  );

  test('no training: the whole program pays nothing, naming one of each group', () => {
    const result = enterprise([]);
    for (const line of result.lines) {
      expect(line.explanation.reason).toBe('training-missing');
      expect(line.explanation.missingCourses).toEqual([
        `one of ${SALES.join(', ')}`,
        `one of ${TECHNICAL.join(', ')}`,
      ]);
      expect(said(line)).toContain('a sales training (one of DBSS0109WBTS');
      expect(line.amount.toFixed(2)).toBe('0.00');
    }
    expect(result.total.toFixed(2)).toBe('0.00');
  });

  test('two sales trainings and no technical one: still nothing', () => {
    const result = enterprise([SALES[0]!, SALES[1]!]);
    expect(result.lines[0]!.explanation.missingCourses).toEqual([`one of ${TECHNICAL.join(', ')}`]);
    expect(result.total.toFixed(2)).toBe('0.00');
  });

  test('technical only: the sales group is missing', () => {
    expect(enterprise([TECHNICAL[2]!]).lines[0]!.explanation.missingCourses).toEqual([
      `one of ${SALES.join(', ')}`,
    ]);
  });
});

describe('§5 A course counts when completed strictly before the training deadline (2016-04-01 00:00 Moscow), as acceptance', () => {
  const DEADLINE = '2016-04-01T00:00:00+03:00';
  const withPrecisionTechnicalAt = (...completedAt: string[]) =>
    pay(
      aReference({
        acceptances: [anAcceptance('client')],
        trainings: [
          aTraining('DPWS0212WBTS'),
          ...completedAt.map((at) => aTraining('DPWT0212WBTT', { completedAt: at })),
        ],
      }),
      [aTally('client', 'workstation', 50, { gate: 'precision' })],
    ).lines[0]!;

  test.each([
    ['one second before the deadline', '2016-03-31T23:59:59+03:00', null],
    ['one second before the deadline, written in UTC', '2016-03-31T20:59:59Z', null],
    ['in an earlier quarter', '2015-11-10T09:00:00+03:00', null],
    ['exactly at the deadline', '2016-04-01T00:00:00+03:00', 'training-missing'],
    ['at the deadline, written in UTC', '2016-03-31T21:00:00Z', 'training-missing'],
    ['between the deadline and the quarter’s last day', '2016-04-15T11:00:00+03:00', 'training-missing'],
    ['late on the quarter’s last day', '2016-04-29T23:59:59+03:00', 'training-missing'],
    ['after the quarter', '2016-04-30T15:00:00+03:00', 'training-missing'],
  ])('completed %s (%s)', (_when, completedAt, reason) => {
    const line = withPrecisionTechnicalAt(completedAt);
    expect(line.explanation.reason).toBe(reason);
    expect(line.amount.toFixed(2)).toBe(reason ? '0.00' : '96250.00'); // 50 × 1925
  });

  test('a course completed between the deadline and the quarter’s end is late: the explanation names it, its time and the deadline', () => {
    const line = withPrecisionTechnicalAt('2016-04-15T11:00:00+03:00');
    expect(line).toMatchObject({ units: 50, paidUnits: 0 });
    expect(line.explanation.programUnits).toBe(50); // the units still count toward the plan
    expect(line.explanation.plan).toBe(50);
    expect(line.explanation.missingCourses).toEqual(['DPWT0212WBTT']);
    expect(line.explanation.lateCourses).toEqual([
      { course: 'DPWT0212WBTT', completedAt: '2016-04-15T11:00:00+03:00' },
    ]);
    expect(said(line)).toContain(`completed before the training deadline ${DEADLINE}`);
    expect(said(line)).toContain('Completed too late: DPWT0212WBTT at 2016-04-15T11:00:00+03:00.');
  });

  test('the late completion is shown in Moscow time, and the earliest of several is named', () => {
    const line = withPrecisionTechnicalAt('2016-04-20T09:00:00+03:00', '2016-04-10T05:30:00Z');
    expect(line.explanation.lateCourses).toEqual([
      { course: 'DPWT0212WBTT', completedAt: '2016-04-10T08:30:00+03:00' },
    ]);
    expect(said(line)).toContain('DPWT0212WBTT at 2016-04-10T08:30:00+03:00');
  });

  test('a course completed in time and again later counts, and nothing is called late', () => {
    const line = withPrecisionTechnicalAt('2016-04-15T11:00:00+03:00', '2016-03-01T10:00:00+03:00');
    expect(line.explanation.reason).toBeNull();
    expect(line.explanation.lateCourses).toBeNull();
  });

  test('a course never completed is missing, not late', () => {
    const line = pay(
      aReference({ acceptances: [anAcceptance('client')], trainings: [aTraining('DPWS0212WBTS')] }),
      [aTally('client', 'workstation', 50, { gate: 'precision' })],
    ).lines[0]!;
    expect(line.explanation.missingCourses).toEqual(['DPWT0212WBTT']);
    expect(line.explanation.lateCourses).toBeNull();
    expect(said(line)).not.toContain('too late');
  });

  test('a late enterprise course: the whole program pays nothing, naming the course, its time and the deadline', () => {
    const result = pay(
      aReference({
        acceptances: [anAcceptance('enterprise', 5)],
        trainings: [
          aTraining('DTRSS0309WBTS'),
          aTraining('DPES0909WBTT', { completedAt: '2016-04-05T14:00:00+03:00' }),
        ],
      }),
      [aTally('enterprise', '2xx-3xx', 6)],
    );
    const line = result.lines[0]!;
    expect(line.explanation.reason).toBe('training-missing');
    expect(line.explanation.plan).toBe(5); // the plan is met; the trainings are not
    expect(result.total.toFixed(2)).toBe('0.00');
    expect(line.explanation.lateCourses).toEqual([
      { course: 'DPES0909WBTT', completedAt: '2016-04-05T14:00:00+03:00' },
    ]);
    const text = said(line);
    expect(text).toContain(`requires trainings completed before the training deadline ${DEADLINE}`);
    expect(text).toContain(
      'the partner lacks a technical training (one of DBSSTT0409WBTT, DPES0909WBTT, VRTXT0613WBTT, DAN0214WBTT).',
    );
    expect(text).toContain('Completed too late: DPES0909WBTT at 2016-04-05T14:00:00+03:00.');
  });

  test('the deadline is the rules file’s trainingDeadline, not a date in the code', () => {
    const json = sampleRulesJson('2016-Q1');
    json.trainingDeadline = '2016-04-20T00:00:00+03:00';
    const later = parseRules(json);
    const ref = aReference({
      acceptances: [anAcceptance('client')],
      trainings: [
        aTraining('DPWS0212WBTS'),
        aTraining('DPWT0212WBTT', { completedAt: '2016-04-15T11:00:00+03:00' }),
      ],
    });
    const tallies = [aTally('client', 'workstation', 50, { gate: 'precision' })];
    expect(calculatePartnerQuarter(later, ref, 'P1', tallies).lines[0]!.explanation.reason).toBeNull();
    expect(pay(ref, tallies).lines[0]!.explanation.reason).toBe('training-missing');
  });
});

describe('Tier progress', () => {
  const progressOf = (ref: PartnerReference, tallies: TallyRow[], program = 'client') =>
    pay(ref, tallies).progress.find((p) => p.program === program)!;

  test('no plan chosen, below the lowest threshold', () => {
    const p = progressOf(acceptedClient(), [
      aTally('client', 'premium', 30),
      aTally('client', 'mainstream', 7),
    ]);
    expect(p).toMatchObject({
      units: 37,
      thresholds: [50, 150],
      chosenPlan: null,
      appliedPlan: null,
      nextThreshold: 50,
      unitsToNext: 13,
      accepted: true,
    });
    expect(summary(p)).toBe('client: 37 units; 13 more to reach plan 50');
  });

  test('no plan chosen, between thresholds: plan 50 applies, 150 is next', () => {
    const p = progressOf(acceptedClient(), [aTally('client', 'premium', 62)]);
    expect(p).toMatchObject({ appliedPlan: 50, nextThreshold: 150, unitsToNext: 88 });
    expect(summary(p)).toBe('client: 62 units; plan 50 reached; 88 more to reach plan 150');
  });

  test('top threshold met: nothing further', () => {
    const p = progressOf(acceptedClient(), [aTally('client', 'premium', 151)]);
    expect(p).toMatchObject({ appliedPlan: 150, nextThreshold: null, unitsToNext: null });
    expect(summary(p)).toBe('client: 151 units; top plan 150 reached');
  });

  test('chosen plan not yet met: that plan is the target', () => {
    const p = progressOf(acceptedClient(150), [aTally('client', 'premium', 100)]);
    expect(p).toMatchObject({ chosenPlan: 150, appliedPlan: null, nextThreshold: 150, unitsToNext: 50 });
    expect(summary(p)).toBe('client: 100 units; 50 more to reach chosen plan 150');
  });

  test('chosen plan met: its column applies whatever more is sold, so there is no next threshold', () => {
    const p = progressOf(acceptedClient(50), [aTally('client', 'premium', 160)]);
    expect(p).toMatchObject({ chosenPlan: 50, appliedPlan: 50, nextThreshold: null, unitsToNext: null });
    expect(summary(p)).toBe('client: 160 units; chosen plan 50 met');
  });

  test('an accepted program without sales yet still shows progress (and no lines)', () => {
    const result = pay(aReference({ acceptances: [anAcceptance('monitors', 300)] }), []);
    expect(result.lines).toEqual([]);
    expect(result.progress).toHaveLength(1);
    expect(result.progress[0]).toMatchObject({
      program: 'monitors',
      units: 0,
      nextThreshold: 300,
      unitsToNext: 300,
    });
    expect(summary(result.progress[0]!)).toBe('monitors: 0 units; 300 more to reach chosen plan 300');
  });

  test('sales without acceptance: not accepted, no plan applies, the deadline is named', () => {
    const p = progressOf(aReference(), [aTally('client', 'premium', 62)]);
    expect(p).toMatchObject({ accepted: false, appliedPlan: null, chosenPlan: null, nextThreshold: 150 });
    expect(summary(p)).toContain('no valid acceptance before the deadline 2016-04-01T00:00:00+03:00');
  });

  test('missing trainings are named in the summary', () => {
    const p = progressOf(
      aReference({ acceptances: [anAcceptance('enterprise', 5)] }),
      [aTally('enterprise', '2xx-3xx', 6)],
      'enterprise',
    );
    expect(summary(p)).toBe('enterprise: 6 units; chosen plan 5 met; trainings missing: enterprise');
  });

  test('an unregistered partner is told so', () => {
    const p = progressOf(aReference({ partner: null, acceptances: [anAcceptance('client')] }), [
      aTally('client', 'premium', 3),
    ]);
    expect(summary(p)).toBe('client: 3 units; partner not registered, nothing is paid');
  });
});

describe('Explanations give the figures', () => {
  test('a paid line names the plan and why, program units, threshold, rate and amount', () => {
    const result = pay(acceptedClient(), [
      aTally('client', 'inspiron-nb-3xxx', 120),
      aTally('client', 'premium', 42, { distributorId: 'D2' }),
    ]);
    const line = lineOf(result, 'premium', 'D2');
    expect(line.explanation).toMatchObject({
      reason: null,
      plan: 150,
      planBasis: 'highest-reached',
      programUnits: 162,
    });
    expect(said(line)).toBe(
      'Plan 150 applies (no plan was chosen; it is the highest threshold reached): 162 units counted in the client ' +
        'program this quarter across all distributors, threshold 150. 42 units bought at distributor D2 in rate row ' +
        'premium × 1155.00 RUB = 48510.00 RUB. The client acceptance counted is the one made at ' +
        '2016-02-15T12:00:00+03:00 with no plan.',
    );
  });

  test('every line has a sentence, paid or not', () => {
    const result = pay(aReference({ acceptances: [anAcceptance('client', 50)] }), [
      aTally('client', 'premium', 50),
      aTally('client', 'workstation', 3, { gate: 'precision' }),
      aTally('client', 'vostro-3xxx', -2, { distributorId: 'D2' }),
      aTally('monitors', '24-25', 10),
    ]);
    expect(result.lines).toHaveLength(4);
    for (const line of result.lines)
      expect(said(line)).toMatch(/^(Plan \d+ applies|Pays nothing)/);
  });
});

describe('calculateQuarter', () => {
  const refs: Record<string, PartnerReference> = {
    P1: aReference({ acceptances: [anAcceptance('client', 50)] }),
    P2: aReference({
      partner: aPartner({ id: 'P2' }),
      acceptances: [anAcceptance('monitors', null, { partnerId: 'P2' })],
    }),
  };
  const refOf = (id: string) => refs[id] ?? aReference({ partner: null });

  test('lines are sorted by partner, distributor, program and rate row; the total is their sum', () => {
    const tallies = [
      aTally('monitors', '30-55', 100, { partnerId: 'P2', distributorId: 'D1' }),
      aTally('client', 'vostro-3xxx', 20, { distributorId: 'D2' }),
      aTally('client', 'premium', 30, { distributorId: 'D2' }),
      aTally('client', 'premium', 5, { distributorId: 'D1' }),
      aTally('client', 'premium', 1, { partnerId: 'P0' }),
    ];
    const { partners, lines, total } = calculateQuarter(rules, refOf, tallies);
    expect(partners.map((p) => p.partnerId)).toEqual(['P0', 'P1', 'P2']);
    expect(lines.map((l) => `${l.partnerId}/${l.distributorId}/${l.program}/${l.rateRow}`)).toEqual([
      'P0/D1/client/premium',
      'P1/D1/client/premium',
      'P1/D2/client/premium',
      'P1/D2/client/vostro-3xxx',
      'P2/D1/monitors/30-55',
    ]);
    // P1: 35 × 1155 + 20 × 154; P2: 100 × 770; P0 is not registered.
    expect(total.toFixed(2)).toBe('120505.00');
    expect(partners.every((p) => p.quarter === '2016-Q1' && p.rulesVersion === '2016-Q1.2')).toBe(true);
  });

  test('a tally naming a rate row the rules do not have is a rules error, not a silent zero', () => {
    expect(() => calculateQuarter(rules, refOf, [aTally('client', 'no-such-row', 5)])).toThrow(
      RulesValidationError,
    );
  });
});

describe('identifiers as written (data-formats.md, "Reference data")', () => {
  test('lines keep the keys and carry the IDs as written; explanations and warnings name them so', () => {
    const ref = aReference({
      partner: aPartner({ id: 'RU100101', displayId: 'ru 100101' }),
      acceptances: [anAcceptance('client', 50, { partnerId: 'RU100101' })],
    });
    const tallies = [
      aTally('client', 'premium', 60, {
        partnerId: 'RU100101',
        distributorId: 'd-merl',
        distributorDisplayId: 'D-MERL',
      }),
      aTally('client', 'vostro-3xxx', -2, {
        partnerId: 'RU100101',
        distributorId: 'd-merl',
        distributorDisplayId: 'D-MERL',
      }),
    ];
    const result = calculatePartnerQuarter(rules, ref, 'RU100101', tallies);
    const [premium, vostro] = [lineOf(result, 'premium', 'd-merl'), lineOf(result, 'vostro-3xxx', 'd-merl')];
    expect(premium).toMatchObject({
      partnerId: 'RU100101',
      distributorId: 'd-merl',
      partnerDisplayId: 'ru 100101',
      distributorDisplayId: 'D-MERL',
    });
    expect(said(premium)).toContain('at distributor D-MERL in rate row premium');
    expect(said(premium)).not.toContain('d-merl');
    expect(vostro.warnings.map(warned)).toEqual([expect.stringMatching(/^Partner ru 100101, distributor D-MERL /)]);
    expect(result.partnerId).toBe('RU100101');
    expect(result.progress[0]!.partnerId).toBe('RU100101');
  });

  test('a tally stored before the as-written ID was kept shows the key, unless another tally of that distributor has it', () => {
    const ref = aReference({ acceptances: [anAcceptance('client', 50)] });
    const old = aTally('client', 'premium', 30, { distributorId: 'd-merl' });
    expect(said(lineOf(pay(ref, [old]), 'premium', 'd-merl'))).toContain('distributor d-merl ');
    const both = pay(ref, [
      old,
      aTally('client', 'premium', 30, { distributorId: 'd-merl', distributorDisplayId: 'D-MERL' }),
    ]);
    expect(both.lines).toHaveLength(1);
    expect(both.lines[0]).toMatchObject({ units: 60, distributorDisplayId: 'D-MERL' });
  });

  test('a partner missing from the registry is named by its key', () => {
    const result = pay(aReference({ partner: null }), [aTally('client', 'premium', 5)]);
    expect(result.lines[0]!.partnerDisplayId).toBe('P1');
    expect(said(result.lines[0]!)).toContain('partner P1 is not a registered partner');
  });
});
