/**
 * Properties of the whole calculation from report lines to payouts (issue: "splitting one report
 * into two with the same lines gives the same result; result does not depend on line order;
 * adding a line for an ineligible partner never changes others' payouts; payouts never negative").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReportRecord } from '../../shared/csv/read-report.js';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import type { TallyRow } from '../../shared/domain/types.js';
import { ReportTallier, type PriorClaims } from '../../shared/pipeline/lines.js';
import type { IngestReference } from '../../shared/pipeline/lines.js';
import { aPartner, anAcceptance, sampleRules, trainedFor } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const book = new RulesBook([rules]);
const PARTNERS = ['P1', 'P2', 'P3'];
const reference: IngestReference = {
  partners: new Map([...PARTNERS, 'NOACC'].map((id) => [id, aPartner({ id })])),
  distributors: new Map([
    ['d1', { id: 'd1', displayId: 'D1', name: 'D1', segments: ['consumer', 'commercial', 'monitors'] }],
  ]),
  catalog: new Map(),
};
const refOf = (partnerId: string) => ({
  partner: reference.partners.get(partnerId) ?? null,
  acceptances:
    partnerId === 'NOACC'
      ? []
      : ['client', 'monitors', 'enterprise'].map((program) => anAcceptance(program, null, { partnerId })),
  trainings:
    partnerId === 'P1' ? trainedFor('precision', 'enterprise').map((t) => ({ ...t, partnerId })) : [],
});

const DESCRIPTIONS = [
  'Dell Latitude 5480 14" notebook',
  'Dell Vostro 3568 notebook',
  'Dell Precision T3620 MT',
  'Монитор Dell P2417H',
  'Монитор Dell S2216H',
  'Сервер Dell PowerEdge R730',
  'Моноблок Dell Inspiron 24 5459',
];

interface Line {
  partnerId: string;
  description: string;
  qty: number;
  tag: string | null;
}

const lineArb: fc.Arbitrary<Line> = fc.record({
  partnerId: fc.constantFrom(...PARTNERS),
  description: fc.constantFrom(...DESCRIPTIONS),
  qty: fc.integer({ min: -5, max: 40 }),
  tag: fc.option(fc.stringMatching(/^[A-Z0-9]{7}$/), { nil: null }),
});

function record(l: Line, i: number): ReportRecord {
  const values = {
    invoice_date: '2016-02-15',
    invoice_number: `INV-${i}`,
    partner_id: l.partnerId,
    description: l.description,
    quantity: String(l.qty),
    ...(l.tag ? { service_tag: l.tag } : {}),
  };
  return { line: i + 2, fields: Object.values(values), values };
}

/** Tallies reports in order, each seeing the claims of the ones before it (as ingest does). */
function tally(reports: Line[][]): TallyRow[] {
  const rows: TallyRow[] = [];
  const earlier: ReportTallier[] = [];
  let n = 0;
  for (const lines of reports) {
    const prior: PriorClaims = (q, tag) => {
      for (const [i, t] of earlier.entries()) {
        const line = t.claimIndexes().get(q)?.claimed.lineOf(tag);
        if (line !== undefined) return { reportKey: `r${i}`, distributorId: 'd1', line };
      }
      return null;
    };
    const t = new ReportTallier(book, reference, 'd1', prior);
    // Invoice numbers are unique across reports, so no two lines are the same line.
    for (const l of lines) t.add(record(l, n++));
    earlier.push(t);
    for (const r of t.result().tallies)
      for (const row of r.rows) rows.push({ ...row, partnerId: r.partnerId });
  }
  return rows;
}

function payouts(rows: TallyRow[], partners = PARTNERS): Record<string, string> {
  return Object.fromEntries(
    partners.map((p) => [
      p,
      calculatePartnerQuarter(rules, refOf(p), p, rows)
        .lines.map((l) => `${l.rateRow}:${l.units}:${l.amount.toFixed(2)}`)
        .join(' '),
    ]),
  );
}

/** Lines whose service tags are all different: then who claims first cannot matter. */
const distinctTags = fc.array(lineArb, { maxLength: 60 }).map((ls) => {
  const seen = new Set<string>();
  return ls.map((l) => (l.tag && !seen.has(l.tag) && seen.add(l.tag) ? l : { ...l, tag: null }));
});

describe('from report lines to payouts', () => {
  it('splitting one report into two with the same lines gives the same payouts', () => {
    fc.assert(
      fc.property(distinctTags, fc.nat(), (lines, cut) => {
        const at = lines.length ? cut % (lines.length + 1) : 0;
        expect(payouts(tally([lines.slice(0, at), lines.slice(at)]))).toEqual(payouts(tally([lines])));
      }),
    );
  });

  it('does not depend on the order of the lines', () => {
    fc.assert(
      fc.property(distinctTags, fc.nat(), (lines, seed) => {
        const shuffled = [...lines].sort((a, b) => ((a.qty * 31 + seed) % 7) - ((b.qty * 31 + seed) % 7));
        expect(payouts(tally([shuffled]))).toEqual(payouts(tally([lines])));
      }),
    );
  });

  it('counts a service tag once however the lines are split and ordered', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 40 }), fc.nat(), (lines, cut) => {
        const withDupes = lines.map((l, i) => (i % 3 === 0 ? { ...l, tag: 'SAMETAG' } : l));
        const at = withDupes.length ? cut % (withDupes.length + 1) : 0;
        const split = tally([withDupes.slice(0, at), withDupes.slice(at)]);
        const whole = tally([withDupes]);
        const units = (rows: TallyRow[]) => rows.reduce((s, r) => s + r.units, 0);
        expect(units(split)).toBe(units(whole));
      }),
    );
  });

  it('adding lines of an ineligible partner never changes the others’ payouts, and nothing is negative', () => {
    fc.assert(
      fc.property(
        distinctTags,
        fc.array(
          lineArb.map((l) => ({ ...l, partnerId: 'NOACC', tag: null })),
          { maxLength: 20 },
        ),
        (lines, extra) => {
          const before = payouts(tally([lines]));
          const rows = tally([[...lines, ...extra]]);
          expect(payouts(rows)).toEqual(before);
          for (const p of [...PARTNERS, 'NOACC'])
            for (const l of calculatePartnerQuarter(rules, refOf(p), p, rows).lines)
              expect(l.amount.isNegative()).toBe(false);
        },
      ),
    );
  });
});

describe('the generated reports are not vacuous', () => {
  it('some of them pay something', () => {
    const samples = fc.sample(distinctTags, { numRuns: 50, seed: 42 });
    const paying = samples.filter((lines) =>
      Object.values(payouts(tally([lines]))).some((s) => /:[1-9]\d*\.\d\d/.test(s)),
    );
    expect(paying.length).toBeGreaterThan(5);
  });
});
