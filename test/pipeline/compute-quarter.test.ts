/**
 * The v2 quarter computation (issue #12): one pass over the extracts of a quarter decides partners,
 * products, authorisation and claims; a reference change releases held lines without reading any
 * report again; counts add up; and the payouts equal today's path (ReportTallier + calculatePartnerQuarter).
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInvoiceDate } from '../../shared/csv/fields.js';
import { readReport, type ReportRecord } from '../../shared/csv/read-report.js';
import { catalogIndex } from '../../shared/domain/classify.js';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import type { Acceptance, Distributor, Partner, TallyRow, Training } from '../../shared/domain/types.js';
import {
  computeQuarter,
  describeHeld,
  heldMessage,
  heldLinesOf,
  HELD_REASONS,
  type ActiveExtract,
  type QuarterComputation,
  type QuarterReference,
} from '../../shared/pipeline/compute-quarter.js';
import { ReportExtractor } from '../../shared/pipeline/extract.js';
import { activeExtractOf } from '../support/sample-quarter.js';
import { ReportTallier, type PriorClaims } from '../../shared/pipeline/lines.js';
import type { IngestReference } from '../../shared/pipeline/lines.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { aPartner, anAcceptance, sampleRules, trainedFor } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const book = new RulesBook([rules, sampleRules('2016-Q2')]);
const ALL_SEGMENTS: Distributor['segments'] = ['consumer', 'commercial', 'monitors'];

type Values = ReportRecord['values'];

const LATITUDE = { description: 'Dell Latitude 5480 14" notebook', sku: '5480-7539' };
const INSPIRON_AIO = { description: 'Моноблок Dell Inspiron 24 5459', sku: '' };
const VOSTRO_5468 = { description: 'Dell Vostro 5468 i5-7200U 8GB 256GB', sku: '5468-7851' };

let invoice = 0;
function line(
  partnerId: string,
  product: { description: string; sku: string },
  quantity: number,
  tag = '',
): Values {
  return {
    invoice_date: '2016-02-15',
    invoice_number: `INV-${++invoice}`,
    partner_id: partnerId,
    ...product,
    quantity: String(quantity),
    ...(tag ? { service_tag: tag } : {}),
  };
}

const records = (lines: Values[]): ReportRecord[] =>
  lines.map((values, i) => ({ line: i + 2, fields: Object.values(values) as string[], values }));

/** Extracts a report as ingest would, and gives it back as the computation reads it: decoded from its bytes. */
function activeExtract(
  reportId: string,
  distributorId: string,
  receivedAt: string,
  lines: Values[],
): ActiveExtract {
  const x = new ReportExtractor(book, distributorId);
  for (const r of records(lines)) x.add(r);
  return activeExtractOf(reportId, distributorId, receivedAt, x.result());
}

interface RefInput {
  partners?: string[];
  distributors?: Distributor[];
  catalog?: { sku: string; program: string; rateRow: string }[];
  acceptances?: Acceptance[];
  trainings?: Training[];
  revision?: string;
}

function byPartner<T extends { partnerId: string }>(rows: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(r.partnerId, [...(m.get(r.partnerId) ?? []), r]);
  return m;
}

function referenceOf(r: RefInput = {}): QuarterReference {
  const partners = r.partners ?? ['P1', 'P2'];
  return {
    partners: new Map(partners.map((id) => [id, aPartner({ id })])),
    distributors: new Map(
      (r.distributors ?? [{ id: 'd1', displayId: 'd1', name: 'D1', segments: ALL_SEGMENTS }]).map((d) => [d.id, d]),
    ),
    catalog: catalogIndex(r.catalog ?? []),
    acceptances: byPartner(
      r.acceptances ??
        ['P1', 'P2', 'NEW'].flatMap((partnerId) =>
          ['client', 'monitors'].map((program) => anAcceptance(program, null, { partnerId })),
        ),
    ),
    trainings: byPartner(r.trainings ?? []),
    revision: r.revision ?? 'ref-1',
  };
}

const outcome = (c: QuarterComputation, partnerId: string) =>
  c.partners.find((p) => p.partnerId === partnerId);
const paid = (c: QuarterComputation, partnerId: string) =>
  outcome(c, partnerId)?.result.total.toFixed(2) ?? 'none';

function expectCountsAddUp(c: QuarterComputation) {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  expect(c.counts.extracted).toBe(c.counts.counted + c.counts.held);
  expect(sum(Object.values(c.counts.heldByReason))).toBe(c.counts.held);
  for (const reason of HELD_REASONS)
    expect(sum((c.exceptions[reason] ?? []).map((h) => h.lines.length))).toBe(
      c.counts.heldByReason[reason] ?? 0,
    );
  for (const r of c.reports) {
    expect(r.extracted).toBe(r.counted + r.held);
    expect(sum(heldLinesOf(c, r.reportId).map((h) => h.lines.length))).toBe(r.held);
  }
  for (const k of ['extracted', 'counted', 'held'] as const)
    expect(sum(c.reports.map((r) => r[k]))).toBe(c.counts[k]);
}

describe('computeQuarter: held lines and what releases them', () => {
  it('holds an unknown partner, then pays it once registered, from the same extracts', () => {
    const extracts = [
      activeExtract('r1', 'd1', '2016-03-01T10:00:00+03:00', [
        line('P1', LATITUDE, 60),
        line('new', LATITUDE, 40),
        line('NEW', LATITUDE, 20, 'TAG0001'),
      ]),
    ];
    const before = computeQuarter({ rules, reference: referenceOf(), extracts });
    expect(paid(before, 'NEW')).toBe('none');
    expect(before.exceptions['unknown-partner']).toEqual([
      expect.objectContaining({
        reportId: 'r1',
        partnerId: 'NEW',
        partnerWritten: 'new',
        units: 60,
        lines: [3, 4],
      }),
    ]);
    expect(before.exceptions['unknown-partner']![0]!.message).toMatch(
      /"new" \(read as NEW\) is not in the partner registry/,
    );
    expectCountsAddUp(before);

    const after = computeQuarter({
      rules,
      reference: referenceOf({ partners: ['P1', 'P2', 'NEW'], revision: 'ref-2' }),
      extracts,
    });
    expect(after.exceptions['unknown-partner']).toBeUndefined();
    expect(outcome(after, 'NEW')!.result.lines).toEqual([
      expect.objectContaining({ units: 60, distributorId: 'd1' }),
    ]);
    expect(outcome(after, 'NEW')!.result.total.greaterThan(0)).toBe(true);
    // Nothing changed for P1: the same content hash, so nothing of P1 needs writing.
    expect(outcome(after, 'P1')!.hash).toBe(outcome(before, 'P1')!.hash);
    expect(after.record.resultHash).not.toBe(before.record.resultHash);
    expect(after.record.referenceRevision).toBe('ref-2');
    expectCountsAddUp(after);
  });

  it('releases unclassified lines when a catalog mapping names their SKU', () => {
    const extracts = [
      activeExtract('r1', 'd1', '2016-03-01T10:00:00+03:00', [line('P1', VOSTRO_5468, 70, 'VOS0001')]),
    ];
    const before = computeQuarter({ rules, reference: referenceOf(), extracts });
    expect(before.exceptions['unclassified-product']).toEqual([
      expect.objectContaining({ product: VOSTRO_5468, units: 70, lines: [2] }),
    ]);
    expect(paid(before, 'P1')).toBe('none');

    const mapped = referenceOf({ catalog: [{ sku: '5468-7851', program: 'client', rateRow: 'premium' }] });
    const after = computeQuarter({ rules, reference: mapped, extracts });
    expect(after.exceptions['unclassified-product']).toBeUndefined();
    expect(outcome(after, 'P1')!.result.lines).toEqual([
      expect.objectContaining({ rateRow: 'premium', units: 70, paidUnits: 70 }),
    ]);
    expectCountsAddUp(after);
  });

  it('holds lines of a segment the distributor is not authorised for, until it is', () => {
    const extracts = [
      activeExtract('r1', 'kvant', '2016-03-01T10:00:00+03:00', [
        line('P1', INSPIRON_AIO, 55),
        line('P1', LATITUDE, 55),
      ]),
    ];
    const commercial: Distributor = { id: 'kvant', displayId: 'kvant', name: 'Kvant', segments: ['commercial', 'monitors'] };
    const before = computeQuarter({
      rules,
      reference: referenceOf({ distributors: [commercial] }),
      extracts,
    });
    expect(before.exceptions['distributor-not-authorized']).toEqual([
      expect.objectContaining({ distributorId: 'kvant', units: 55, lines: [2] }),
    ]);
    expect(before.exceptions['distributor-not-authorized']![0]!.message).toMatch(
      /not authorised for the consumer segment/,
    );
    expect(outcome(before, 'P1')!.result.lines.map((l) => l.rateRow)).toEqual(['premium']);

    const widened = referenceOf({ distributors: [{ ...commercial, segments: ALL_SEGMENTS }] });
    const after = computeQuarter({ rules, reference: widened, extracts });
    expect(after.exceptions['distributor-not-authorized']).toBeUndefined();
    expect(outcome(after, 'P1')!.result.progress[0]!.units).toBe(110);
    expect(outcome(before, 'P1')!.result.progress[0]!.units).toBe(55);
    expect(after.counts).toMatchObject({ extracted: 2, counted: 2, held: 0 });

    const unregistered = computeQuarter({ rules, reference: referenceOf({ distributors: [] }), extracts });
    expect(unregistered.counts.heldByReason['distributor-not-authorized']).toBe(2);
    expect(unregistered.exceptions['distributor-not-authorized']![0]!.message).toMatch(
      /not in the distributor registry/,
    );
  });
});

describe('computeQuarter: service-tag claims across reports', () => {
  const distributors: Distributor[] = [
    { id: 'd1', displayId: 'd1', name: 'D1', segments: ALL_SEGMENTS },
    { id: 'd2', displayId: 'd2', name: 'D2', segments: ALL_SEGMENTS },
  ];
  const early = () =>
    activeExtract('r-early', 'd2', '2016-03-01T09:00:00+03:00', [
      line('NOBODY', LATITUDE, 1, 'SAME001'), // would not count, so it claims nothing
      line('P2', LATITUDE, 1, 'SAME001'),
      line('P2', LATITUDE, 1, 'SAME001'),
    ]);
  const late = () =>
    activeExtract('r-late', 'd1', '2016-03-01T11:00:00+03:00', [
      line('P1', LATITUDE, 1, 'OTHER01'),
      line('P1', LATITUDE, 1, 'SAME001'),
    ]);

  it('gives the tag to the report received first, whatever the order of the array', () => {
    const reference = referenceOf({ distributors });
    const a = computeQuarter({ rules, reference, extracts: [late(), early()] });
    const b = computeQuarter({ rules, reference, extracts: [early(), late()] });
    expect(a.record.resultHash).toBe(b.record.resultHash);
    expect(a.reports.map((r) => r.reportId)).toEqual(['r-early', 'r-late']);

    const claims = a.exceptions['duplicate-claim']!;
    expect(claims.map((h) => [h.reportId, h.lines, h.firstClaim])).toEqual([
      ['r-early', [4], { reportId: 'r-early', distributorId: 'd2', line: 3 }],
      ['r-late', [3], { reportId: 'r-early', distributorId: 'd2', line: 3 }],
    ]);
    expect(outcome(a, 'P2')!.result.lines[0]!.units).toBe(1);
    expect(outcome(a, 'P1')!.result.lines[0]!.units).toBe(1);
    expect(a.exceptions['unknown-partner']![0]!.lines).toEqual([2]);
    expectCountsAddUp(a);
  });

  it('shows a distributor that its tag was claimed first elsewhere, not whose report it was', () => {
    const c = computeQuarter({
      rules,
      reference: referenceOf({ distributors }),
      extracts: [late(), early()],
    });
    const lost = heldLinesOf(c, 'r-late');
    expect(lost).toHaveLength(1);
    expect(describeHeld(lost[0]!, { distributorId: 'd1' })).not.toMatch(/r-early|d2/);
    expect(describeHeld(lost[0]!, { distributorId: 'd1' })).toMatch(/another distributor's report/);
    expect(describeHeld(lost[0]!, 'vendor')).toMatch(/r-early.*d2.*line 3/);
    const own = heldLinesOf(c, 'r-early').find((h) => h.reason === 'duplicate-claim')!;
    expect(describeHeld(own, { distributorId: 'd2' })).toMatch(/line 3 of this report/);
    // In Russian alike: the distributor learns nothing of the other report, staff see it.
    const ru = heldMessage(lost[0]!, { distributorId: 'd1' }, 'ru');
    expect(ru).toMatchObject({ lang: 'ru', text: expect.stringMatching(/отчёте другого дистрибьютора/) });
    expect(ru.text).not.toMatch(/r-early|d2/);
    expect(heldMessage(lost[0]!, 'vendor', 'ru').text).toMatch(/в отчёте r-early \(дистрибьютор d2\), строка 3/);
    expect(heldMessage(own, { distributorId: 'd2' }, 'ru').text).toMatch(/в строке 3 этого отчёта/);
  });

  it('refuses two versions of one report, and an extract given as another distributor’s', () => {
    const e = early();
    expect(() =>
      computeQuarter({
        rules,
        reference: referenceOf({ distributors }),
        extracts: [e, { ...e, version: 'v2' }],
      }),
    ).toThrow(/given twice/);
    expect(() =>
      computeQuarter({
        rules,
        reference: referenceOf({ distributors }),
        extracts: [{ ...e, distributorId: 'd1' }],
      }),
    ).toThrow(/extract was made for "d2"/);
  });
});

// ---------------------------------------------------------------- equality with today's pipeline

/** Today's path: each report tallied in claim order, seeing the claims of those before it; then per partner. */
function todaysPath(
  reference: IngestReference,
  refOf: (id: string) => { partner: Partner | null; acceptances: Acceptance[]; trainings: Training[] },
  reports: { distributorId: string; records: ReportRecord[] }[],
) {
  const rows: TallyRow[] = [];
  const earlier: { tallier: ReportTallier; distributorId: string }[] = [];
  const tallied: number[] = [];
  for (const [i, r] of reports.entries()) {
    const prior: PriorClaims = (q, tag) => {
      for (const [j, e] of earlier.entries()) {
        const at = e.tallier.claimIndexes().get(q)?.claimed.lineOf(tag);
        if (at !== undefined) return { reportKey: `r${j}`, distributorId: e.distributorId, line: at };
      }
      return null;
    };
    const tallier = new ReportTallier(book, reference, r.distributorId, prior);
    // Lines tallied into this quarter (a report may hold lines of others).
    tallied[i] = 0;
    for (const rec of r.records) {
      const date = parseInvoiceDate(rec.values.invoice_date ?? '');
      if (!tallier.add(rec) && date.ok && book.quarterOfDate(date.value) === rules) tallied[i]++;
    }
    earlier.push({ tallier, distributorId: r.distributorId });
    for (const t of tallier.result().tallies)
      if (t.quarter === rules.quarter)
        for (const row of t.rows) rows.push({ ...row, partnerId: t.partnerId });
  }
  const partners = [...new Set(rows.map((r) => r.partnerId))].sort();
  return {
    tallied,
    payouts: Object.fromEntries(
      partners.map((p) => [p, calculatePartnerQuarter(rules, refOf(p), p, rows)] as const),
    ),
  };
}

function v2Path(reference: QuarterReference, reports: { distributorId: string; records: ReportRecord[] }[]) {
  const extracts = reports.map((r, i) => {
    const x = new ReportExtractor(book, r.distributorId);
    for (const rec of r.records) x.add(rec);
    return activeExtractOf(`r${i}`, r.distributorId, `2016-03-01T10:${String(i).padStart(2, '0')}:00+03:00`, x.result());
  });
  // Given in reverse: claim order must come from receivedAt, not from the array.
  return computeQuarter({ rules, reference, extracts: extracts.reverse() });
}

const show = (r: ReturnType<typeof calculatePartnerQuarter>) => ({
  total: r.total.toFixed(2),
  lines: r.lines.map(
    (l) =>
      `${l.distributorId}/${l.program}/${l.rateRow}: ${l.units} units, ${l.paidUnits} paid, ${l.amount.toFixed(2)}`,
  ),
  progress: r.progress,
});

describe('computeQuarter equals today’s pipeline', () => {
  const PARTNERS = ['P1', 'P2', 'P3'];
  const distributors: Distributor[] = [
    { id: 'd1', displayId: 'd1', name: 'D1', segments: ALL_SEGMENTS },
    { id: 'd2', displayId: 'd2', name: 'D2', segments: ['commercial'] },
  ];
  const acceptances = [...PARTNERS, 'NOREG'].flatMap((partnerId) =>
    ['client', 'monitors', 'enterprise'].map((program) => anAcceptance(program, null, { partnerId })),
  );
  const trainings = trainedFor('precision', 'enterprise');
  const catalog = [{ sku: '5468-7851', program: 'client', rateRow: 'premium' }];
  const quarterRef = referenceOf({ partners: PARTNERS, distributors, acceptances, trainings, catalog });
  const ingestRef: IngestReference = {
    partners: quarterRef.partners,
    distributors: quarterRef.distributors,
    catalog: quarterRef.catalog,
  };
  const refOf = (id: string) => ({
    partner: quarterRef.partners.get(id) ?? null,
    acceptances: [...(quarterRef.acceptances.get(id) ?? [])],
    trainings: [...(quarterRef.trainings.get(id) ?? [])],
  });

  const lineArb = fc.record({
    partner: fc.constantFrom('P1', 'p 2', '#P3', 'NOREG'),
    product: fc.constantFrom(
      LATITUDE,
      INSPIRON_AIO,
      VOSTRO_5468,
      { description: 'Dell Precision T3620 MT', sku: '' },
      { description: 'Монитор Dell P2417H', sku: '' },
      { description: 'Сервер Dell PowerEdge R730', sku: '' },
      { description: 'Dell Venue 8 3840 tablet 16GB', sku: '3840-1123' },
    ),
    qty: fc.integer({ min: -3, max: 60 }),
    date: fc.constantFrom('2016-02-15', '2016-03-10', '2016-04-20', '2016-05-10', 'never'),
    invoice: fc.constantFrom('A', 'B', 'C', 'D'),
    tag: fc.constantFrom('', '', 'T000001', 'T000002', 't-000003'),
  });
  const reportArb = fc.record({
    distributorId: fc.constantFrom('d1', 'd2'),
    lines: fc.array(lineArb, { maxLength: 60 }),
  });

  it('gives every partner the same payouts and progress, and counts the lines today tallies, on generated reports', () => {
    let [runs, paying, withClaims] = [0, 0, 0];
    fc.assert(
      fc.property(fc.array(reportArb, { maxLength: 4 }), (generated) => {
        runs++;
        const reports = generated.map((r) => ({
          distributorId: r.distributorId,
          records: r.lines.map((l, i) => {
            const values: Values = {
              invoice_date: l.date,
              invoice_number: l.invoice,
              partner_id: l.partner,
              ...l.product,
              quantity: String(l.qty),
              ...(l.tag ? { service_tag: l.tag } : {}),
            };
            return { line: i + 2, fields: Object.values(values) as string[], values };
          }),
        }));
        const today = todaysPath(ingestRef, refOf, reports);
        const v2 = v2Path(quarterRef, reports);
        expect(Object.fromEntries(v2.partners.map((p) => [p.partnerId, show(p.result)]))).toEqual(
          Object.fromEntries(Object.entries(today.payouts).map(([id, r]) => [id, show(r)])),
        );
        expect(v2.reports.map((r) => r.counted)).toEqual(today.tallied);
        expectCountsAddUp(v2);
        if (v2.counts.heldByReason['duplicate-claim']) withClaims++;
        if (v2.total.greaterThan(0)) paying++;
      }),
      { numRuns: 150 },
    );
    // Not vacuous: many runs pay something and many hold a duplicate claim.
    expect(paying).toBeGreaterThan(runs / 5);
    expect(withClaims).toBeGreaterThan(runs / 5);
  });

  it('pays the sample data folder what ReportTallier and calculatePartnerQuarter pay', async () => {
    const folder = await loadDataFolder(join(import.meta.dirname, '..', '..', 'samples', 'data'));
    expect(folder.errors).toEqual([]);
    const ref = folder.reference;
    const reference: QuarterReference = {
      partners: new Map(ref.partners.map((p) => [p.id, p])),
      distributors: new Map(ref.distributors.map((d) => [d.id, d])),
      catalog: catalogIndex(ref.catalog),
      acceptances: byPartner(ref.acceptances),
      trainings: byPartner(ref.trainings),
      revision: 'samples',
    };
    const reports = [];
    for (const r of folder.reports) {
      const reading = readReport(createReadStream(r.path));
      const recs: ReportRecord[] = [];
      for await (const batch of reading.records) recs.push(...batch);
      await reading.done;
      reports.push({ distributorId: r.distributorId, records: recs });
    }
    const today = todaysPath(
      { partners: reference.partners, distributors: reference.distributors, catalog: reference.catalog },
      (id) => ({
        partner: reference.partners.get(id) ?? null,
        acceptances: [...(reference.acceptances.get(id) ?? [])],
        trainings: [...(reference.trainings.get(id) ?? [])],
      }),
      reports,
    );
    const v2 = v2Path(reference, reports);
    const todayTotal = Object.values(today.payouts).reduce((s, r) => s.plus(r.total), new Decimal(0));
    expect(v2.total.toFixed(2)).toBe(todayTotal.toFixed(2));
    expect(v2.total.greaterThan(0)).toBe(true);
    expect(Object.fromEntries(v2.partners.map((p) => [p.partnerId, show(p.result)]))).toEqual(
      Object.fromEntries(Object.entries(today.payouts).map(([id, r]) => [id, show(r)])),
    );
    expect(v2.reports.map((r) => r.counted)).toEqual(today.tallied);
    // The sample folder has lines of several held reasons (no duplicate claims).
    expect(Object.keys(v2.counts.heldByReason).length).toBeGreaterThanOrEqual(4);
    expectCountsAddUp(v2);
    // Points are computed per partner, pending: some partner earns some.
    expect(v2.partners.some((p) => p.points.length > 0)).toBe(true);
  });
});
