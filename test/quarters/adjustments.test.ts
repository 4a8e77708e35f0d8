/**
 * Adjustment lines: live figures of a closed quarter against what was paid for it, the sentence
 * that says what changed, and the CSV they end up in.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PayoutLine } from '../../shared/domain/types.js';
import { financeExportCsv } from '../../shared/export/finance-csv.js';
import { adjustmentDeltas, adjustmentLine } from '../../shared/domain/adjustments.js';
import { aPayoutLine } from './lines.js';
import { said } from '../support/render.js';

const Q1 = '2016-Q1';
const Q2 = '2016-Q2';
const PREMIUM = new Decimal('1155');

const key = (l: PayoutLine) => `${l.partnerId}/${l.distributorId}/${l.program}/${l.rateRow}`;

describe('adjustmentDeltas and adjustmentLine', () => {
  it('books a corrected report that raised units from 40 to 43 as +3 units and +3 × 1155.00', () => {
    const paid = [aPayoutLine({ partnerId: 'P1', units: 40 })];
    const live = [aPayoutLine({ partnerId: 'P1', units: 43 })];
    const [delta, ...rest] = adjustmentDeltas(paid, live);
    expect(rest).toEqual([]);
    const line = adjustmentLine(Q2, Q1, delta!, [{ kind: 'corrected-report', report: 'q1.csv' }]);
    expect(line).toMatchObject({
      quarter: Q2,
      adjustmentOf: Q1,
      partnerId: 'P1',
      distributorId: 'D1',
      units: 3,
      paidUnits: 3,
    });
    expect(line.amount.equals(PREMIUM.times(3))).toBe(true);
    expect(line.rate.equals(PREMIUM)).toBe(true);
    expect(said(line)).toBe(
      'Adjustment to 2016-Q1: units changed from 40 to 43 and the amount from 46200.00 to 49665.00 RUB (+3465.00) ' +
        'after the corrected report q1.csv. Now: 43 units paid at 1155.00 RUB.',
    );
    expect(financeExportCsv(Q2, [line], () => 'Partner One')).toBe(
      'quarter,partner_id,partner_name,distributor_id,program,rate_row,units,rate_rub,amount_rub,' +
        'paid_units,reason,payment_date,payment_reference,causes\n' +
        '2016-Q1,P1,Partner One,D1,client,premium,3,1155.00,3465.00,3,,,,the corrected report q1.csv\n',
    );
  });

  it('gives nothing for unchanged lines, and a full negative correction for a line that is gone', () => {
    const paid = [
      aPayoutLine({ partnerId: 'P1', units: 40 }),
      aPayoutLine({ partnerId: 'P2', units: 60, rate: new Decimal('154'), rateRow: 'vostro-3xxx' }),
    ];
    const live = [aPayoutLine({ partnerId: 'P1', units: 40 })];
    const deltas = adjustmentDeltas(paid, live);
    expect(deltas.map((d) => key(d.ref))).toEqual(['P2/D1/client/vostro-3xxx']);
    const line = adjustmentLine(Q2, Q1, deltas[0]!, [{ kind: 'withdrawn-report', report: 'd.csv' }]);
    expect([line.units, line.paidUnits, line.amount.toFixed(2), line.rate.toFixed(2)]).toEqual([
      -60,
      -60,
      '-9240.00',
      '154.00',
    ]);
    expect(said(line)).toBe(
      'Adjustment to 2016-Q1: units changed from 60 to 0 and the amount from 9240.00 to 0.00 RUB (-9240.00) after the withdrawn report d.csv.',
    );
  });

  it('says only the amount changed when the units did not (an acceptance fixed after the close)', () => {
    const paid = [aPayoutLine({ partnerId: 'P1', units: 40, paidUnits: 0, rate: new Decimal(0) })];
    const live = [aPayoutLine({ partnerId: 'P1', units: 40 })];
    const line = adjustmentLine(Q2, Q1, adjustmentDeltas(paid, live)[0]!, []);
    expect([line.units, line.amount.toFixed(2)]).toEqual([0, '46200.00']);
    expect(said(line)).toMatch(
      /^Adjustment to 2016-Q1: the amount changed from 0\.00 to 46200\.00 RUB \(\+46200\.00\) after a change/,
    );
  });

  it('keeps a units-only change that pays nothing more (untrained units), saying the amount stays', () => {
    const paid = [aPayoutLine({ partnerId: 'P1', units: 10, paidUnits: 0, amount: new Decimal(0) })];
    const live = [aPayoutLine({ partnerId: 'P1', units: 12, paidUnits: 0, amount: new Decimal(0) })];
    const line = adjustmentLine(Q2, Q1, adjustmentDeltas(paid, live)[0]!, []);
    expect([line.units, line.amount.toFixed(2)]).toEqual([2, '0.00']);
    expect(said(line)).toMatch(/units changed from 10 to 12 \(the amount stays 0\.00 RUB\)/);
  });

  it('counts corrections already paid in a later closed quarter as paid', () => {
    const snapshot = aPayoutLine({ partnerId: 'P1', units: 40 });
    const alreadyBooked = { ...aPayoutLine({ partnerId: 'P1', units: 3, quarter: Q2 }), adjustmentOf: Q1 };
    expect(
      adjustmentDeltas([snapshot, alreadyBooked], [aPayoutLine({ partnerId: 'P1', units: 43 })]),
    ).toEqual([]);
    const [d] = adjustmentDeltas([snapshot, alreadyBooked], [aPayoutLine({ partnerId: 'P1', units: 45 })]);
    expect([d!.before.units, d!.after.units, d!.after.amount.minus(d!.before.amount).toFixed(2)]).toEqual([
      43,
      45,
      '2310.00',
    ]);
  });

  const lineArb = fc.record({
    partnerId: fc.constantFrom('P1', 'P2', 'P3'),
    distributorId: fc.constantFrom('D1', 'D2'),
    rateRow: fc.constantFrom('premium', 'vostro-3xxx'),
    units: fc.integer({ min: -20, max: 200 }),
    cents: fc.integer({ min: 0, max: 10_000_000 }),
  });
  const toLine = (l: typeof lineArb extends fc.Arbitrary<infer T> ? T : never) =>
    aPayoutLine({
      partnerId: l.partnerId,
      distributorId: l.distributorId,
      rateRow: l.rateRow,
      units: l.units,
      amount: new Decimal(l.cents).div(100),
    });

  // Paid lines may repeat a key (snapshot, then corrections, in that order); live lines never do.
  const liveArb = fc.uniqueArray(lineArb, {
    maxLength: 12,
    selector: (l) => `${l.partnerId}/${l.distributorId}/${l.rateRow}`,
  });

  it('reconciles: what was paid plus the adjustments is exactly the live figure, per key and in total, in any order', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 12 }), liveArb, (paidRaw, liveRaw) => {
        const paid = paidRaw.map(toLine);
        const live = liveRaw.map(toLine);
        const adjustments = adjustmentDeltas(paid, live).map((d) => adjustmentLine(Q2, Q1, d, []));
        const figures = (lines: PayoutLine[]) => {
          const m = new Map<string, { units: number; amount: string }>();
          for (const l of lines) {
            const t = m.get(key(l)) ?? { units: 0, amount: '0' };
            m.set(key(l), {
              units: t.units + l.units,
              amount: new Decimal(t.amount).plus(l.amount).toFixed(2),
            });
          }
          return new Map([...m].filter(([, f]) => f.units !== 0 || f.amount !== '0.00'));
        };
        expect(figures([...paid, ...adjustments])).toEqual(figures(live));
        expect(
          adjustmentDeltas(paid, [...live].reverse()).map((d) => adjustmentLine(Q2, Q1, d, [])),
        ).toEqual(adjustments);
      }),
    );
  });
});
