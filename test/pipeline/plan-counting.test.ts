/**
 * Program rules §2 item 6 and §4: only lines that pass every check and name a rated product count
 * toward a plan. A line rejected for any reason, a product that is not eligible and an unrated
 * product never count; a rate row whose rate is 0 at a plan (small monitors at plan 100) is rated,
 * so its units do count.
 *
 * Each case reads a CSV report with the report reader, checks and tallies it as ingest does
 * (ReportTallier), then calculates the partner's quarter. The base lines stop one unit short of
 * the lowest plan; the line under test would reach it if it counted.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import type { PartnerQuarterResult, TallyRow } from '../../shared/domain/types.js';
import {
  REJECT_REASONS,
  ReportTallier,
  type LineReject,
  type RejectReason,
} from '../../shared/pipeline/lines.js';
import type { IngestReference } from '../../shared/pipeline/lines.js';
import { encodeCp1251, readAll, writeCsv } from '../csv/helpers.js';
import { aPartner, aReference, anAcceptance, sampleRules, trainedFor } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const book = new RulesBook([rules]);
const PARTNER = 'RU101';
const DIST = 'dist-a';
// Authorised for commercial and monitors, not for consumer products.
const reference: IngestReference = {
  partners: new Map([[PARTNER, aPartner({ id: PARTNER })]]),
  distributors: new Map([[DIST, { id: DIST, displayId: DIST, name: 'Dist A', segments: ['commercial', 'monitors'] }]]),
  catalog: new Map(),
};
const ref = aReference({
  partner: aPartner({ id: PARTNER }),
  acceptances: ['client', 'monitors', 'enterprise'].map((p) => anAcceptance(p, null, { partnerId: PARTNER })),
  trainings: trainedFor('precision', 'enterprise').map((t) => ({ ...t, partnerId: PARTNER })),
});

const LATITUDE = 'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD'; // client/premium
const SERVER = 'Dell PowerEdge R330 rack server E3-1230v5'; // enterprise/2xx-3xx
const P2417H = 'Dell P2417H 23.8" monitor'; // monitors/24-25
const E1916H = 'Dell E1916H 18.5" monitor'; // monitors/17-20, rate 0 at plan 100

const HEADER = [
  'invoice_date',
  'invoice_number',
  'distributor_id',
  'partner_id',
  'description',
  'quantity',
  'service_tag',
];

interface Line {
  date?: string;
  invoice: string;
  distributor?: string;
  partner?: string;
  description: string;
  qty?: string;
  tag?: string;
  /** Fields past the header's columns (a malformed row). */
  extra?: string[];
  /** Written in Windows-1251 in a UTF-8 file (its header then names the quantity in Russian). */
  cp1251?: boolean;
}

const fields = (l: Line): string[] => [
  l.date ?? '2016-02-15',
  l.invoice,
  l.distributor ?? DIST,
  l.partner ?? PARTNER,
  l.description,
  l.qty ?? '1',
  l.tag ?? '',
  ...(l.extra ?? []),
];

// Short lines, so that one padded line can be too long without a megabyte of test data.
const MAX_RECORD_CHARS = 400;

/** Reads the report, checks and tallies every line as ingest does, and calculates the quarter. */
async function run(lines: Line[]): Promise<{ rejects: LineReject[]; result: PartnerQuarterResult }> {
  const header = lines.some((l) => l.cp1251) ? HEADER.map((h) => (h === 'quantity' ? 'количество' : h)) : HEADER;
  const bytes = Buffer.concat([
    Buffer.from(writeCsv([header], ',', '\n') + '\n', 'utf8'),
    ...lines.map((l) => {
      const text = writeCsv([fields(l)], ',', '\n') + '\n';
      return l.cp1251 ? encodeCp1251(text) : Buffer.from(text, 'utf8');
    }),
  ]);
  const { records } = await readAll(Readable.from([bytes]), {
    maxRecordChars: MAX_RECORD_CHARS,
  });
  const tallier = new ReportTallier(book, reference, DIST);
  const rejects = records.map((r) => tallier.add(r)).filter((r) => r !== null);
  const rows: TallyRow[] = tallier
    .result()
    .tallies.flatMap((t) => t.rows.map((row) => ({ ...row, partnerId: t.partnerId })));
  return { rejects, result: calculatePartnerQuarter(rules, ref, PARTNER, rows) };
}

const many = (description: string, qtys: number[], prefix: string): Line[] =>
  qtys.map((q, i) => ({ invoice: `${prefix}-${i + 1}`, description, qty: String(q) }));

/** One unit short of each program's lowest plan (client 50, enterprise 5, monitors 100). */
const BASE: Record<'client' | 'enterprise' | 'monitors', { lines: Line[]; units: number; good: Line }> = {
  client: {
    lines: [
      ...many(LATITUDE, [10, 10, 10, 10, 8], 'C'),
      { invoice: 'C-T', description: LATITUDE, tag: 'TAG0001' },
    ],
    units: 49,
    good: { invoice: 'C-GOOD', description: LATITUDE },
  },
  enterprise: {
    lines: many(SERVER, [3, 1], 'E'),
    units: 4,
    good: { invoice: 'E-GOOD', description: SERVER },
  },
  monitors: {
    lines: many(P2417H, [50, 49], 'M'),
    units: 99,
    good: { invoice: 'M-GOOD', description: P2417H },
  },
};

const CASES: [reason: RejectReason, program: keyof typeof BASE, what: string, line: Line][] = [
  [
    'malformed-row',
    'client',
    'one field too many',
    { invoice: 'X1', description: LATITUDE, extra: ['stray'] },
  ],
  [
    'record-too-long',
    'client',
    'longer than the bound',
    { invoice: 'X2', description: `${LATITUDE} ${'x'.repeat(MAX_RECORD_CHARS)}` },
  ],
  [
    'bad-encoding',
    'client',
    'a line saved in Windows-1251',
    { invoice: 'X14', description: `Ноутбук ${LATITUDE}`, cp1251: true },
  ],
  ['missing-field', 'client', 'no invoice number', { invoice: '', description: LATITUDE }],
  [
    'distributor-mismatch',
    'client',
    'another distributor',
    { invoice: 'X3', distributor: 'dist-b', description: LATITUDE },
  ],
  [
    'unknown-partner',
    'client',
    'a letter O for a zero',
    { invoice: 'X4', partner: 'RU1O1', description: LATITUDE },
  ],
  ['bad-date', 'client', '30 February', { invoice: 'X5', date: '2016-02-30', description: LATITUDE }],
  [
    'date-outside-quarter',
    'client',
    'before 2016-Q1',
    { invoice: 'X6', date: '2015-12-01', description: LATITUDE },
  ],
  ['bad-quantity', 'client', '1,5 units', { invoice: 'X7', description: LATITUDE, qty: '1,5' }],
  ['duplicate-line', 'client', 'the first line again', { invoice: 'C-1', description: LATITUDE, qty: '10' }],
  [
    'duplicate-claim',
    'client',
    'a service tag claimed above',
    { invoice: 'X8', description: LATITUDE, tag: 'TAG0001' },
  ],
  [
    'unclassified-product',
    'client',
    'no form factor, no catalog',
    { invoice: 'X9', description: 'Dell Vostro 5468' },
  ],
  [
    'not-eligible-product',
    'client',
    'Venue without Pro',
    { invoice: 'X10', description: 'Dell Venue 8 3840 tablet 16GB' },
  ],
  [
    'distributor-not-authorized',
    'client',
    'a consumer notebook',
    { invoice: 'X11', description: 'INSPIRON 5567 NB I7-7500U 16GB 2TB' },
  ],
  [
    'unrated-product',
    'enterprise',
    'a blade server',
    { invoice: 'X12', description: 'Dell PowerEdge M630 blade server 2xE5-2630v4' },
  ],
  [
    'not-eligible-product',
    'monitors',
    'a C-series monitor',
    { invoice: 'X13', description: 'Dell C5517H 55" conference room monitor' },
  ],
];

describe('§2.6 Lines that do not earn never count toward a plan', () => {
  test('the cases cover every reject reason', () => {
    expect(new Set(CASES.map(([reason]) => reason))).toEqual(new Set(Object.keys(REJECT_REASONS)));
  });

  test.each(Object.keys(BASE) as (keyof typeof BASE)[])(
    'control: one more good %s unit than the base reaches the lowest plan',
    async (program) => {
      const base = BASE[program];
      const { rejects, result } = await run([...base.lines, base.good]);
      expect(rejects).toEqual([]);
      const progress = result.progress.find((p) => p.program === program)!;
      expect(progress.units).toBe(base.units + 1);
      expect(progress.appliedPlan).toBe(rules.programs.get(program)!.plans[0]);
      expect(result.total.isPositive()).toBe(true);
    },
  );

  test.each(CASES)('%s (%s program, %s) does not count', async (reason, program, _what, line) => {
    const base = BASE[program];
    const { rejects, result } = await run([...base.lines, line]);
    // The line under test, and only it, is rejected, for the reason this case is about.
    expect(rejects.map((r) => r.code)).toEqual([reason]);
    expect(rejects[0]!.line).toBe(base.lines.length + 2);

    const progress = result.progress.find((p) => p.program === program)!;
    expect(progress.units).toBe(base.units);
    expect(progress.appliedPlan).toBeNull();
    const lines = result.lines.filter((l) => l.program === program);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l.explanation.reason).toBe('below-lowest-plan');
      expect(l.explanation.programUnits).toBe(base.units);
      expect(l.explanation.missingUnits).toBe(1);
    }
    expect(result.total.toFixed(2)).toBe('0.00');
  });

  it('any mix of such lines added to a report leaves every figure as it was', async () => {
    // Duplicates depend on the lines before them; the other cases stand alone. A Windows-1251 line is
    // odd only among UTF-8 ones: where they are most of the non-ASCII lines, the file is Windows-1251.
    const standalone = CASES.filter(
      ([r]) => r !== 'duplicate-line' && r !== 'duplicate-claim' && r !== 'bad-encoding',
    );
    const good = [...BASE.client.lines, ...BASE.enterprise.lines, ...BASE.monitors.lines];
    const before = await run(good);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...standalone), fc.nat({ max: good.length })), { maxLength: 8 }),
        async (inserts) => {
          const lines = [...good];
          // Distinct invoice numbers, so two inserted lines are never duplicates of each other.
          inserts.forEach(([[, , , line], at], i) =>
            lines.splice(at, 0, line.invoice ? { ...line, invoice: `${line.invoice}-${i}` } : line),
          );
          const after = await run(lines);
          expect(after.rejects).toHaveLength(inserts.length);
          expect(JSON.stringify(after.result)).toBe(JSON.stringify(before.result));
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('§2.6 A rate row whose rate is 0 at a plan is rated: its units count', () => {
  const small = many(E1916H, [40, 50], 'S'); // 90 units of 17"-20", rate 0 at plan 100
  const large = many(P2417H, [10], 'L'); // 10 units of 24"-25", 231 at plan 100

  test('90 small monitors and 10 large ones reach plan 100; only the large ones pay', async () => {
    const { rejects, result } = await run([...small, ...large]);
    expect(rejects).toEqual([]);
    const row = (id: string) => result.lines.find((l) => l.rateRow === id)!;
    expect(row('17-20')).toMatchObject({ units: 90, paidUnits: 0 });
    expect(row('17-20').explanation.reason).toBe('zero-rate');
    expect(row('17-20').explanation.programUnits).toBe(100);
    expect(row('24-25').explanation).toMatchObject({ reason: null, plan: 100, programUnits: 100 });
    expect(row('24-25').amount.toFixed(2)).toBe((10 * 231).toFixed(2));
    expect(result.total.toFixed(2)).toBe('2310.00');
  });

  test('without the small monitors the same 10 units are below the plan and pay nothing', async () => {
    const { result } = await run(large);
    expect(result.lines[0]!.explanation).toMatchObject({ reason: 'below-lowest-plan', missingUnits: 90 });
    expect(result.total.toFixed(2)).toBe('0.00');
  });
});
