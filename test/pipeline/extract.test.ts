/**
 * The v2 extract of a report (issue #12): the file-only checks reject exactly as ReportTallier does
 * (one implementation), and everything else is kept, traceable to its lines. Its stored forms are
 * extract-codec.test.ts's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReportRecord } from '../../shared/csv/read-report.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { ReportExtractor, type ReportExtract } from '../../shared/pipeline/extract.js';
import { FILE_REJECT_REASONS } from '../../shared/pipeline/line-checks.js';
import { ReportTallier } from '../../shared/pipeline/lines.js';
import type { IngestReference } from '../../shared/pipeline/lines.js';
import { aPartner, sampleRules } from '../support/domain-fixtures.js';
import { good, record, type Values } from '../support/report-records.js';

const book = new RulesBook([sampleRules('2016-Q1'), sampleRules('2016-Q2')]);
const reference: IngestReference = {
  partners: new Map(['P1', 'P2', 'RU100'].map((id) => [id, aPartner({ id })])),
  distributors: new Map([
    ['d1', { id: 'd1', displayId: 'd1', name: 'D1', segments: ['consumer', 'commercial'] }],
  ]),
  catalog: new Map(),
};


/** Values that exercise every file-only check and every reference-dependent outcome. */
const valuesArb: fc.Arbitrary<Values> = fc.record(
  {
    invoice_date: fc.constantFrom(
      '2016-02-15',
      '15.03.2016',
      '2016-05-10',
      '2015-12-31',
      '2016-02-30',
      'soon',
      '',
    ),
    invoice_number: fc.constantFrom('INV-1', 'INV-2', 'INV-3', ''),
    partner_id: fc.constantFrom('P1', ' id p1', '#P2', 'RU 100', 'NOBODY', ''),
    description: fc.constantFrom(
      'Dell Latitude 5480 14" notebook',
      'Монитор Dell P2417H',
      'Dell Venue 8 3840 tablet 16GB',
      'Сервер Dell PowerEdge R730',
      'Something else entirely',
      '',
    ),
    sku: fc.constantFrom('5480-7539', 'X-1', ''),
    quantity: fc.constantFrom('1', '3', '-2', '12,5', '1e9', '7 шт', ''),
    service_tag: fc.constantFrom('ABC1234', 'abc-1234', 'ZZZ9999', ' ', ''),
    distributor: fc.constantFrom('d1', 'D1 ', 'other'),
  },
  { requiredKeys: [] },
);

const recordsArb = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: valuesArb.map((v) => ({ v, error: undefined })) },
      {
        weight: 1,
        arbitrary: fc.constant({
          v: {} as Values,
          error: { code: 'malformed-row' as const, message: 'Bad quoting.' },
        }),
      },
    ),
    { maxLength: 80 },
  )
  // Repeat some lines as they are, so duplicate-line is exercised.
  .chain((ls) =>
    fc
      .array(fc.nat({ max: Math.max(0, ls.length - 1) }), { maxLength: ls.length ? 10 : 0 })
      .map((repeats) => [...ls, ...repeats.map((i) => ls[i]!)]),
  )
  .map((ls) => ls.map(({ v, error }, i) => record(i + 2, v, error)));

function extractAll(records: ReportRecord[], distributorId = 'd1') {
  const x = new ReportExtractor(book, distributorId);
  const rejects = records.map((r) => x.add(r));
  return { extractor: x, rejects, extract: x.result() };
}

/** Every extracted line of a quarter with its units, from the groups and the tagged lines. */
function linesOf(extract: ReportExtract, quarter: string): Map<number, number> {
  const out = new Map<number, number>();
  const q = extract.quarters.find((e) => e.quarter === quarter);
  if (!q) return out;
  for (const g of q.groups) for (const l of g.lines) out.set(l, NaN);
  q.tagged.lines.forEach((l, i) => out.set(l, q.tagged.quantities[i]!));
  return out;
}

describe('ReportExtractor: the file-only checks', () => {
  it('rejects a line for a file-only reason exactly when ReportTallier does, with the same message', () => {
    const fileReasons = new Set<string>(FILE_REJECT_REASONS);
    fc.assert(
      fc.property(recordsArb, (records) => {
        const tallier = new ReportTallier(book, reference, 'd1');
        const { rejects, extractor } = extractAll(records);
        records.forEach((r, i) => {
          const t = tallier.add(r);
          const e = rejects[i];
          if (t && fileReasons.has(t.code)) expect(e).toEqual(t);
          else if (e)
            // The tallier judged the partner before the date: it may have stopped there.
            expect(t?.code).toBe('unknown-partner');
          else if (t) expect(fileReasons.has(t.code)).toBe(false);
        });
        const c = extractor.counts;
        expect(c.read).toBe(records.length);
        expect(c.read).toBe(c.extracted + c.rejected);
      }),
    );
  });

  it('rejects each file-only reason on a plain example', () => {
    const records = [
      record(2, good()),
      record(3, {}, { code: 'record-too-long', message: 'Too long.' }),
      record(4, good({ quantity: '' })),
      record(5, good({ distributor: 'kvant' })),
      record(6, good({ invoice_date: '2016-13-01' })),
      record(7, good({ invoice_date: '2017-06-01' })),
      record(8, good({ quantity: '2.5' })),
      record(9, good()),
      // Unknown partner and a product of no program: the extract keeps them; the quarter decides.
      record(10, good({ partner_id: 'NOBODY', invoice_number: 'INV-2' })),
      record(11, good({ description: 'Dell Venue 8 3840 tablet 16GB', sku: '', invoice_number: 'INV-3' })),
    ];
    const { rejects, extractor } = extractAll(records);
    expect(rejects.map((r) => r?.code ?? null)).toEqual([
      null,
      'record-too-long',
      'missing-field',
      'distributor-mismatch',
      'bad-date',
      'date-outside-quarter',
      'bad-quantity',
      'duplicate-line',
      null,
      null,
    ]);
    expect(rejects[7]!.message).toContain('line 2');
    expect(extractor.counts).toMatchObject({ read: 10, extracted: 3, rejected: 7 });
  });

  it('finds a repeated line across dates in any order, its date written either way, naming the first', () => {
    const day = (i: number) => new Date(Date.UTC(2016, 1, 1 + (i % 50)));
    const iso = (d: Date) => d.toISOString().slice(0, 10);
    const ru = (d: Date) => iso(d).split('-').reverse().join('.');
    const line = (i: number, written: (d: Date) => string) =>
      good({ invoice_date: written(day(i)), invoice_number: `INV-${i}`, partner_id: `P${i % 40}` });
    const records: ReportRecord[] = [];
    for (let i = 0; i < 3000; i++) records.push(record(records.length + 2, line(i, iso)));
    // Repeats of lines far back, dates out of order, in the other date format.
    const repeated = Array.from({ length: 600 }, (_, j) => (j * 7919) % 3000);
    for (const k of repeated) records.push(record(records.length + 2, line(k, ru)));
    const { rejects } = extractAll(records);
    expect(rejects.slice(0, 3000).every((r) => r === null)).toBe(true);
    repeated.forEach((k, j) => {
      const reject = rejects[3000 + j];
      expect(reject?.code).toBe('duplicate-line');
      expect(reject?.message).toContain(`line ${k + 2}`);
    });
  });
});

describe('ReportExtractor: aggregation', () => {
  it('keeps every extracted line once, in its quarter, with net units per partner and product', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const { rejects, extract } = extractAll(records);
        const kept = records.filter((_, i) => !rejects[i]);
        for (const quarter of ['2016-Q1', '2016-Q2']) {
          const q = extract.quarters.find((e) => e.quarter === quarter);
          const lines = linesOf(extract, quarter);
          expect(q?.lines ?? 0).toBe(lines.size);
          if (!q) continue;
          const groupLines = q.groups.reduce((n, g) => n + g.lines.length, 0);
          expect(groupLines + q.tagged.tags.length).toBe(q.lines);
          // Net units of a group are the sum of its lines' quantities.
          const qtyOf = new Map(kept.map((r) => [r.line, r.values.quantity!]));
          for (const g of q.groups) {
            const sum = g.lines.reduce((s, l) => s + Number(qtyOf.get(l)!.replace(/\s*шт$/, '')), 0);
            expect(g.units).toBe(sum);
            expect(g.lines).toEqual([...g.lines].sort((a, b) => a - b));
          }
        }
        const all = extract.quarters.reduce((n, q) => n + q.lines, 0);
        expect(all).toBe(kept.length);
        expect(extract.counts.extracted).toBe(kept.length);
      }),
    );
  });

  it('keys partners by normalised ID with the first written form, products by SKU and description, tags one by one', () => {
    const { extract } = extractAll([
      record(2, good({ partner_id: 'id p1', service_tag: 'abc-1234' })),
      record(3, good({ partner_id: 'P1', invoice_number: 'INV-2', quantity: '-1' })),
      record(4, good({ partner_id: '#P1', invoice_number: 'INV-3', quantity: '5' })),
      record(5, good({ partner_id: 'NOBODY', invoice_number: 'INV-4', sku: '' })),
      record(6, good({ invoice_date: '2016-05-02', invoice_number: 'INV-5' })),
    ]);
    expect(extract.partners).toEqual([
      { key: 'P1', written: 'id p1' },
      { key: 'NOBODY', written: 'NOBODY' },
    ]);
    expect(extract.products).toEqual([
      { sku: '5480-7539', description: 'Dell Latitude 5480 14" notebook' },
      { sku: '', description: 'Dell Latitude 5480 14" notebook' },
    ]);
    const q1 = extract.quarters.find((q) => q.quarter === '2016-Q1')!;
    expect(q1.groups).toEqual([
      { partner: 0, product: 0, units: 4, lines: [3, 4] },
      { partner: 1, product: 1, units: 3, lines: [5] },
    ]);
    expect(q1.tagged).toEqual({
      tags: ['ABC1234'],
      lines: [2],
      partners: [0],
      products: [0],
      quantities: [3],
    });
    expect(extract.quarters.map((q) => [q.quarter, q.lines])).toEqual([
      ['2016-Q1', 4],
      ['2016-Q2', 1],
    ]);
  });
});
