/**
 * Properties of the payout calculation that must hold for any tallies and reference data.
 */
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { calculateQuarter } from '../../shared/domain/payout.js';
import type { Acceptance, PartnerReference, TallyRow, Training } from '../../shared/domain/types.js';
import { aPartner, sampleRules } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const PARTNERS = ['P1', 'P2', 'P3'];

// Every (program, rate row, family gate) a tally can carry under the Q1 rules.
const CELLS: [program: string, rateRow: string, gate: string | null][] = [
  ...[...rules.programs.values()].flatMap((p) =>
    p.rateRows.map((r): [string, string, null] => [p.id, r.id, null]),
  ),
  ['client', 'workstation', 'precision'],
  ['client', 'premium', 'rugged'],
];
const COURSES = [...rules.trainings.values()].flatMap((g) => g.allOf.flatMap((group) => group.oneOf));
// Around the acceptance deadline and the quarter end, so both sides of each boundary occur.
const INSTANTS = [
  '2016-02-10T10:00:00+03:00',
  '2016-03-31T23:59:59+03:00',
  '2016-04-01T00:00:00+03:00',
  '2016-04-29T23:59:59+03:00',
  '2016-04-30T00:00:00+03:00',
];

const tallyArb = (partners: string[]) =>
  fc
    .record({
      partnerId: fc.constantFrom(...partners),
      distributorId: fc.constantFrom('D1', 'D2', 'D3'),
      cell: fc.constantFrom(...CELLS),
      units: fc.integer({ min: -40, max: 160 }),
    })
    .map(({ cell: [program, rateRow, gate], ...rest }): TallyRow => ({ ...rest, program, rateRow, gate }));

/** Mostly inside the quarter and before the deadline, sometimes exactly on a boundary or after it. */
const instantArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(INSTANTS[0]!) },
  { weight: 1, arbitrary: fc.constantFrom(...INSTANTS) },
);

const acceptanceArb = (partnerId: string, program: string) =>
  fc
    .record({
      // 7 is no program's threshold: an invalid acceptance.
      plan: fc.constantFrom(null, ...rules.programs.get(program)!.plans, 7),
      acceptedAt: instantArb,
    })
    .map((a): Acceptance => ({ partnerId, program, ...a }));

const trainingArb = (partnerId: string) =>
  fc
    .record({ courseCode: fc.constantFrom(...COURSES), completedAt: instantArb })
    .map((t): Training => ({ partnerId, ...t }));

const refArb = (partnerId: string) =>
  fc.record({
    partner: fc.option(
      fc.constantFrom(aPartner({ id: partnerId }), aPartner({ id: partnerId, status: 'Preferred' })),
      {
        freq: 6,
      },
    ),
    // Usually one acceptance per program, sometimes none or a second one.
    acceptances: fc
      .tuple(
        ...[...rules.programs.keys()].map((program) =>
          fc.oneof(
            { weight: 3, arbitrary: acceptanceArb(partnerId, program).map((a) => [a]) },
            { weight: 1, arbitrary: fc.array(acceptanceArb(partnerId, program), { maxLength: 2 }) },
          ),
        ),
      )
      .map((perProgram) => perProgram.flat()),
    trainings: fc.array(trainingArb(partnerId), { maxLength: 8 }),
  });

const refsArb = fc
  .tuple(...PARTNERS.map(refArb))
  .map((refs) => new Map(PARTNERS.map((id, i) => [id, refs[i]!])));
const talliesArb = fc.array(tallyArb(PARTNERS), { maxLength: 40 });

const run = (refs: Map<string, PartnerReference>, tallies: TallyRow[]) =>
  calculateQuarter(rules, (id) => refs.get(id)!, tallies);

/** Decimals serialise as strings, so equal JSON means equal figures, texts and order. */
const canonical = (value: unknown) => JSON.stringify(value);

describe('Payout properties', () => {
  test('payouts are never negative, and paid units never exceed the net units (or zero)', () => {
    fc.assert(
      fc.property(refsArb, talliesArb, (refs, tallies) => {
        for (const line of run(refs, tallies).lines) {
          expect(line.amount.isNegative()).toBe(false);
          expect(line.paidUnits).toBeGreaterThanOrEqual(0);
          expect(line.paidUnits).toBeLessThanOrEqual(Math.max(line.units, 0));
          expect(line.amount.equals(line.rate.times(line.paidUnits))).toBe(true);
        }
      }),
    );
  });

  test('the total is the sum of the line amounts, for the quarter and for each partner', () => {
    fc.assert(
      fc.property(refsArb, talliesArb, (refs, tallies) => {
        const result = run(refs, tallies);
        const sum = (lines: { amount: Decimal }[]) =>
          lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));
        expect(result.total.equals(sum(result.lines))).toBe(true);
        for (const p of result.partners) expect(p.total.equals(sum(p.lines))).toBe(true);
      }),
    );
  });

  test('the result does not depend on the order of tallies, acceptances or trainings', () => {
    fc.assert(
      fc.property(
        refsArb,
        talliesArb,
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })).map((s) => () => s.next().value),
        (refs, tallies, random) => {
          const shuffle = <T>(xs: readonly T[]): T[] =>
            xs
              .map((x) => [random(), x] as const)
              .sort((a, b) => a[0] - b[0])
              .map(([, x]) => x);
          const shuffledRefs = new Map(
            [...refs].map(([id, ref]) => [
              id,
              { ...ref, acceptances: shuffle(ref.acceptances), trainings: shuffle(ref.trainings) },
            ]),
          );
          expect(canonical(run(shuffledRefs, shuffle(tallies)))).toBe(canonical(run(refs, tallies)));
        },
      ),
    );
  });

  test('splitting the tally rows into two batches (two reports) and concatenating gives the same result', () => {
    fc.assert(
      fc.property(
        refsArb,
        fc.array(fc.tuple(tallyArb(PARTNERS), fc.integer({ min: -50, max: 50 })), { maxLength: 40 }),
        (refs, rows) => {
          const whole = rows.map(([row]) => row);
          const first = rows.map(([row, part]) => ({ ...row, units: part }));
          const second = rows.map(([row, part]) => ({ ...row, units: row.units - part }));
          expect(canonical(run(refs, [...first, ...second]))).toBe(canonical(run(refs, whole)));
        },
      ),
    );
  });

  test("tallies of an ineligible partner (not registered, or not accepted in time) never change others' payouts", () => {
    const ineligibleRefArb = fc.oneof(
      refArb('X9').map((ref) => ({ ...ref, partner: null })),
      refArb('X9').map((ref) => ({
        ...ref,
        acceptances: ref.acceptances.map((a) => ({ ...a, acceptedAt: '2016-04-01T00:00:00+03:00' })),
      })),
    );
    fc.assert(
      fc.property(
        refsArb,
        talliesArb,
        ineligibleRefArb,
        fc.array(tallyArb(['X9']), { minLength: 1, maxLength: 20 }),
        (refs, tallies, x9, extra) => {
          const before = run(refs, tallies);
          const after = run(new Map([...refs, ['X9', x9]]), [...extra, ...tallies]);

          const others = after.partners.filter((p) => p.partnerId !== 'X9');
          expect(canonical(others)).toBe(canonical(before.partners));
          expect(after.total.equals(before.total)).toBe(true);
          for (const line of after.lines.filter((l) => l.partnerId === 'X9'))
            expect(line.amount.isZero()).toBe(true);
        },
      ),
    );
  });
});
