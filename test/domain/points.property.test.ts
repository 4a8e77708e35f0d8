import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InsufficientPointsError } from '../../shared/errors.js';
import {
  balance,
  reconcileLedger,
  redeem,
  type LedgerEntry,
  type PointsEarning,
} from '../../shared/domain/points.js';
import { parseRules } from '../../shared/domain/rules/load.js';

const sample = JSON.parse(readFileSync(new URL('../../samples/rules/2016-Q1.json', import.meta.url), 'utf8'));
// Cheap rewards so that redemptions happen often and reversals run into spent points.
const rules = parseRules({
  ...sample,
  points: {
    ...sample.points,
    rewards: [
      { id: 'pen', name: 'Pen', points: 150 },
      { id: 'mug', name: 'Mug', points: 900 },
      { id: 'bag', name: 'Bag', points: 2_500 },
    ],
  },
});

const PARTNER = '12345';
const QUARTERS = ['2016-Q1', '2016-Q2'] as const;
const SOURCES = ['course:A', 'course:B', 'payout:x/client/premium', 'payout:y/monitors/24-25'];

const targetArb = fc
  .subarray(SOURCES)
  .chain((sources) =>
    fc.tuple(
      ...sources.map((source) =>
        fc
          .integer({ min: 0, max: 3_000 })
          .map((points): PointsEarning => ({ source, points, reason: { code: 'stored-text', params: { text: source } } })),
      ),
    ),
  );

type Step =
  | { op: 'reconcile'; quarter: string; target: PointsEarning[] }
  | { op: 'redeem'; rewardId: string; requestId: string };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('reconcile' as const),
    quarter: fc.constantFrom(...QUARTERS),
    target: targetArb,
  }),
  fc
    .record({
      op: fc.constant('redeem' as const),
      rewardId: fc.constantFrom('pen', 'mug', 'bag'),
      request: fc.integer({ min: 1, max: 4 }),
    })
    .map(({ op, rewardId, request }) => ({ op, rewardId, requestId: `${rewardId}-${request}` })),
);

let clock = 0;
const at = () => `2016-05-10T09:${String(clock++ % 60).padStart(2, '0')}:00+03:00`;

/** Applies the steps, checking after each one that the balance is not negative. */
function run(steps: Step[], start: LedgerEntry[] = []): LedgerEntry[] {
  const ledger = [...start];
  for (const s of steps) {
    if (s.op === 'reconcile') ledger.push(...reconcileLedger(ledger, PARTNER, s.quarter, s.target, at()));
    else {
      try {
        const entry = redeem(rules, ledger, PARTNER, s.rewardId, at(), s.requestId);
        // A repeated request must return the entry already held rather than spend again.
        const held = ledger.find((e) => e.entryId === entry.entryId);
        if (held) expect(entry).toBe(held);
        else ledger.push(entry);
      } catch (err) {
        if (!(err instanceof InsufficientPointsError)) throw err;
      }
    }
    expect(balance(ledger)).toBeGreaterThanOrEqual(0);
  }
  return ledger;
}

function heldBySource(ledger: readonly LedgerEntry[], quarter: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of ledger) if (e.quarter === quarter) m.set(e.source, (m.get(e.source) ?? 0) + e.points);
  return m;
}

describe('points ledger properties', () => {
  it('for any sequence of recalculations and redemptions the balance never goes below 0, and no entry is zero', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 30 }), (steps) => {
        const ledger = run(steps);
        for (const e of ledger) {
          expect(Number.isSafeInteger(e.points)).toBe(true);
          expect(e.points).not.toBe(0);
        }
        expect(new Set(ledger.map((e) => e.entryId)).size).toBe(ledger.length);
      }),
    );
  });

  it('without redemptions, after reconciling with target T every source of the quarter sums to T (absent ones to 0)', () => {
    const reconcileOnly = stepArb.filter((s) => s.op === 'reconcile');
    fc.assert(
      fc.property(
        fc.array(reconcileOnly, { maxLength: 15 }),
        fc.constantFrom(...QUARTERS),
        targetArb,
        (history, quarter, target) => {
          const ledger = run([...history, { op: 'reconcile', quarter, target }]);
          const held = heldBySource(ledger, quarter);
          const wanted = new Map(target.map((t) => [t.source, t.points]));
          for (const source of new Set([...held.keys(), ...wanted.keys()]))
            expect(held.get(source) ?? 0).toBe(wanted.get(source) ?? 0);
        },
      ),
    );
  });

  it('after reconciling with T, every source holds T unless the balance is 0, and none holds less than T', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 30 }),
        fc.constantFrom(...QUARTERS),
        targetArb,
        (history, quarter, target) => {
          const ledger = run([...history, { op: 'reconcile', quarter, target }]);
          const held = heldBySource(ledger, quarter);
          const wanted = new Map(target.map((t) => [t.source, t.points]));
          const reached = [...new Set([...held.keys(), ...wanted.keys()])].every(
            (s) => (held.get(s) ?? 0) === (wanted.get(s) ?? 0),
          );
          for (const [s, points] of wanted) expect(held.get(s) ?? 0).toBeGreaterThanOrEqual(points);
          if (!reached) expect(balance(ledger)).toBe(0);
        },
      ),
    );
  });

  it('reconciling twice with the same target appends nothing the second time', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 30 }),
        fc.constantFrom(...QUARTERS),
        targetArb,
        (history, quarter, target) => {
          const ledger = run([...history, { op: 'reconcile', quarter, target }]);
          expect(reconcileLedger(ledger, PARTNER, quarter, target, at())).toEqual([]);
        },
      ),
    );
  });
});
