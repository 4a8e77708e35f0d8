/**
 * Corrections after a quarter is closed: its payouts are final, and what a recalculation changes
 * is paid as the difference in the next open quarter, as exact decimals with two places.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  adjustmentLine,
  pendingCorrections,
  totalOf,
  type ClosedQuarter,
  type EffectiveLine,
} from '../../shared/domain/adjustments.js';
import type { PayoutLine } from '../../shared/domain/types.js';
import { aPayoutLine } from '../quarters/lines.js';
import { said } from '../support/render.js';

const [Q1, Q2, Q3] = ['2016-Q1', '2016-Q2', '2016-Q3'];

/** Books what is pending for the run of closed quarters in `open`, as the pipeline does. */
function book(open: string, run: readonly ClosedQuarter[]): EffectiveLine[] {
  return pendingCorrections(run).flatMap(({ closed, deltas }) =>
    deltas.map((d) => adjustmentLine(open, closed.quarter, d, [{ kind: 'corrected-report', report: 'q1.csv' }])),
  );
}

const p1 = (units: number, over: Partial<PayoutLine> = {}) =>
  aPayoutLine({ partnerId: 'P1', units, ...over });

describe('a correction after the close', () => {
  it('books the difference in the next open quarter, as a signed line of the closed quarter', () => {
    const q1: ClosedQuarter = { quarter: Q1, lines: [p1(40)], live: [p1(43)] };
    const lines = book(Q2, [q1]);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect([line!.quarter, line!.adjustmentOf, line!.units, line!.amount.toFixed(2)]).toEqual([
      Q2,
      Q1,
      3,
      new Decimal('1155').times(3).toFixed(2),
    ]);
    // What was frozen plus the adjustment is what the quarter is worth now.
    expect(totalOf([...q1.lines, ...lines]).equals(totalOf(q1.live))).toBe(true);
  });

  it('books a lowered figure as a negative difference', () => {
    const lines = book(Q2, [{ quarter: Q1, lines: [p1(40)], live: [p1(38)] }]);
    expect(lines.map((l) => [l.units, l.amount.toFixed(2)])).toEqual([[-2, '-2310.00']]);
  });

  it('books only the new difference on a second correction, the first being frozen in a later closed quarter', () => {
    // Q1 closed at 40 units; a correction to 43 was booked in Q2, and Q2 closed with it.
    const firstCorrection = book(Q2, [{ quarter: Q1, lines: [p1(40)], live: [p1(43)] }]);
    const q1: ClosedQuarter = { quarter: Q1, lines: [p1(40)], live: [p1(45)] };
    const q2: ClosedQuarter = {
      quarter: Q2,
      lines: [p1(10, { quarter: Q2 }), ...firstCorrection],
      live: [p1(10, { quarter: Q2 })],
    };
    const lines = book(Q3, [q1, q2]);
    expect(lines.map((l) => [l.quarter, l.adjustmentOf, l.units, l.amount.toFixed(2)])).toEqual([
      [Q3, Q1, 2, '2310.00'],
    ]);
  });

  it('books nothing when nothing changed, nor when the correction was already paid', () => {
    expect(book(Q2, [{ quarter: Q1, lines: [p1(40)], live: [p1(40)] }])).toEqual([]);
    const paid = book(Q2, [{ quarter: Q1, lines: [p1(40)], live: [p1(43)] }]);
    const run: ClosedQuarter[] = [
      { quarter: Q1, lines: [p1(40)], live: [p1(43)] },
      { quarter: Q2, lines: paid, live: [] },
    ];
    expect(pendingCorrections(run)).toEqual([]);
  });

  it('keeps amounts exact to the kopeck, with no floating-point drift', () => {
    // 0.1 + 0.2 in binary floating point is 0.30000000000000004; three units at 0.10 must be 0.30.
    const rate = new Decimal('0.10');
    const lines = book(Q2, [{ quarter: Q1, lines: [p1(1, { rate })], live: [p1(4, { rate })] }]);
    expect(lines.map((l) => l.amount.toFixed(2))).toEqual(['0.30']);
    expect(lines[0]!.amount.equals(new Decimal('0.3'))).toBe(true);
    expect(said(lines[0]!)).toContain('from 0.10 to 0.40 RUB (+0.30)');
  });

  it('books each closed quarter of the run on its own, oldest first', () => {
    const lines = book(Q3, [
      { quarter: Q1, lines: [p1(40)], live: [p1(41)] },
      { quarter: Q2, lines: [p1(5, { quarter: Q2 })], live: [p1(3, { quarter: Q2 })] },
    ]);
    expect(lines.map((l) => [l.adjustmentOf, l.units])).toEqual([
      [Q1, 1],
      [Q2, -2],
    ]);
  });
});
