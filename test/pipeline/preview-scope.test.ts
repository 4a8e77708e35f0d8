/**
 * A partner manager's what-if (shared/pipeline/preview-scope.ts): what may be tried, what is seen,
 * and why the quarter is computed whole before it is narrowed to the territory.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { ReportRecord } from '../../shared/csv/read-report.js';
import type { Principal } from '../../shared/auth/principal.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import type { Distributor, PartnerQuarterResult } from '../../shared/domain/types.js';
import { toUserError } from '../../shared/errors.js';
import { computeQuarter, type ActiveExtract, type QuarterReference } from '../../shared/pipeline/compute-quarter.js';
import { ReportExtractor } from '../../shared/pipeline/extract.js';
import { checkPreviewRequest, scopePreview } from '../../shared/pipeline/preview-scope.js';
import type { PreviewRequest, PreviewResult } from '../../shared/pipeline/preview.js';
import { activeExtractOf } from '../support/sample-quarter.js';
import { aPartner, anAcceptance, IN_Q1, sampleRules } from '../support/domain-fixtures.js';

const central: Principal = { sub: 'mgr-1', role: 'manager', regions: ['Central'], distributorId: null };
const program: Principal = { sub: 'prog-1', role: 'program', regions: [], distributorId: null };
const registry = new Map([
  ['P1', aPartner({ id: 'P1', region: 'Central' })],
  ['P2', aPartner({ id: 'P2', region: 'Volga' })],
]);
const request = (over: Partial<PreviewRequest> = {}): PreviewRequest => ({ rates: {}, acceptances: [], trainings: [], ...over });
const thrown = (f: () => void, lang: 'en' | 'ru' = 'en') => {
  try {
    f();
  } catch (err) {
    return toUserError(err, lang);
  }
  throw new Error('expected a refusal');
};

describe('checkPreviewRequest', () => {
  it("lets a partner manager try the territory's partners' units, trainings and acceptances", () => {
    expect(() =>
      checkPreviewRequest(
        central,
        request({
          units: [{ partnerId: 'P1', program: 'client', rateRow: 'vostro-3xxx', units: 5 }],
          trainings: [{ partnerId: 'P1', courseCode: 'X', completedAt: IN_Q1 }],
          acceptances: [anAcceptance('client', 150)],
        }),
        registry,
      ),
    ).not.toThrow();
  });

  it('refuses rates and plan thresholds to a partner manager with a 403 naming them', () => {
    const res = thrown(() =>
      checkPreviewRequest(central, request({ rates: { 'client/vostro-3xxx/50': '1.00' }, plans: { 'client/50': 40 } }), registry),
    );
    expect(res.status).toBe(403);
    expect(res.message).toMatch(/program manager/);
    expect(res.message).toContain('rates client/vostro-3xxx/50; plan thresholds client/50');
    // Even with nothing else wrong, a plan threshold alone is refused.
    expect(thrown(() => checkPreviewRequest(central, request({ plans: { 'client/50': 40 } }), registry)).status).toBe(403);
  });

  it('answers a partner outside the territory exactly as one the registry does not have', () => {
    const outside = thrown(() =>
      checkPreviewRequest(central, request({ units: [{ partnerId: 'P2', program: 'client', rateRow: 'vostro-3xxx', units: 1 }] }), registry),
    );
    const missing = thrown(() =>
      checkPreviewRequest(central, request({ units: [{ partnerId: 'P9', program: 'client', rateRow: 'vostro-3xxx', units: 1 }] }), registry),
    );
    expect(outside.status).toBe(400);
    expect(outside.message.replace('P2', 'P9')).toBe(missing.message);
    expect(outside.message).not.toMatch(/Volga/);
    const ru = thrown(
      () => checkPreviewRequest(central, request({ trainings: [{ partnerId: 'P2', courseCode: 'X', completedAt: IN_Q1 }] }), registry),
      'ru',
    );
    expect(ru.message).toBe('Этих партнёров нет на вашей территории (Central): P2.');
  });

  it('leaves finance and program managers free to try anything', () => {
    expect(() =>
      checkPreviewRequest(program, request({ rates: { 'client/vostro-3xxx/50': '1.00' }, plans: { 'client/50': 40 } }), registry),
    ).not.toThrow();
  });
});

describe('scopePreview', () => {
  const result = (id: string, total: string) => ({ partnerId: id, total: new Decimal(total), lines: [] }) as unknown as PartnerQuarterResult;
  const change = (id: string, before: string, after: string) => ({
    partnerId: id,
    before: new Decimal(before),
    after: new Decimal(after),
    delta: new Decimal(after).minus(before),
  });
  const preview: PreviewResult = {
    quarter: '2016-Q1',
    results: [result('P1', '100.00'), result('P2', '700.00'), result('P3', '40.00')],
    // P4 was paid before and is paid nothing with the changes.
    changes: [change('P1', '60.00', '100.00'), change('P2', '0.00', '700.00'), change('P4', '25.00', '0.00')],
  };
  const sum = (xs: Decimal[]) => xs.reduce((a, b) => a.plus(b), new Decimal(0)).toFixed(2);

  it('keeps only the partners the caller sees, in results, changes and totals', () => {
    const seen = new Set(['P1', 'P3', 'P4']);
    const scoped = scopePreview(preview, (id) => seen.has(id));
    expect(scoped.results.map((r) => r.partnerId)).toEqual(['P1', 'P3']);
    expect(scoped.changes.map((c) => c.partnerId)).toEqual(['P1', 'P4']);
    // After: P1 100, P3 40, P4 0 (figures of the fixture, not of the code under test).
    expect(scoped.totals.after.toFixed(2)).toBe('140.00');
    expect(scoped.totals.after.toFixed(2)).toBe(sum(scoped.results.map((r) => r.total)));
    // Before: P1 60, P3 unchanged 40, P4 25.
    expect(scoped.totals.before.toFixed(2)).toBe(sum([new Decimal('60.00'), new Decimal('40.00'), new Decimal('25.00')]));
    expect(scoped.totals.delta.toFixed(2)).toBe('15.00');
    expect(scoped.totals.delta.toFixed(2)).toBe(scoped.totals.after.minus(scoped.totals.before).toFixed(2));
  });

  it('for a caller who sees everyone, totals add up over the whole quarter', () => {
    const all = scopePreview(preview, () => true);
    expect(all.results).toHaveLength(3);
    expect(all.totals.delta.toFixed(2)).toBe(sum(preview.changes.map((c) => c.delta)));
  });
});

describe('why the whole quarter is computed before narrowing', () => {
  const rules = sampleRules('2016-Q1');
  const book = new RulesBook([rules]);
  const LATITUDE = { description: 'Dell Latitude 5480 14" notebook', sku: '5480-7539' };
  const d1: Distributor = { id: 'd1', displayId: 'd1', name: 'D1', segments: ['consumer', 'commercial', 'monitors'] };
  const extract = (reportId: string, receivedAt: string, lines: [string, string][]): ActiveExtract => {
    const x = new ReportExtractor(book, 'd1');
    lines.forEach(([partnerId, tag], i) => {
      const values = {
        invoice_date: '2016-02-15',
        invoice_number: `${reportId}-${i}`,
        partner_id: partnerId,
        ...LATITUDE,
        quantity: '1',
        service_tag: tag,
      };
      x.add({ line: i + 2, fields: Object.values(values), values } as ReportRecord);
    });
    return activeExtractOf(reportId, 'd1', receivedAt, x.result());
  };
  const reference: QuarterReference = {
    partners: registry,
    distributors: new Map([['d1', d1]]),
    catalog: new Map(),
    acceptances: new Map(['P1', 'P2'].map((id) => [id, [anAcceptance('client', null, { partnerId: id })]])),
    trainings: new Map(),
    revision: 'r1',
  };
  // P2 (Volga) claims tag T1 first; P1 (Central) reports it again later.
  const early = extract('r-early', '2016-03-01T09:00:00+03:00', [['P2', 'T0000001']]);
  const late = extract('r-late', '2016-03-01T11:00:00+03:00', [['P1', 'T0000001'], ['P1', 'T0000002']]);
  const units = (c: ReturnType<typeof computeQuarter>, id: string) =>
    c.partners.find((p) => p.partnerId === id)?.result.lines.reduce((n, l) => n + l.units, 0) ?? 0;

  it("a territory partner's units depend on another territory's claims", () => {
    const whole = computeQuarter({ rules, reference, extracts: [early, late] });
    const territoryOnly = computeQuarter({ rules, reference, extracts: [late] });
    expect(units(whole, 'P1')).toBe(1); // T1 is P2's
    expect(units(territoryOnly, 'P1')).toBe(2); // wrongly P1's without P2's report
    const scoped = scopePreview(
      { quarter: rules.quarter, results: whole.partners.map((p) => p.result), changes: [] },
      (id) => registry.get(id)?.region === 'Central',
    );
    expect(scoped.results.map((r) => r.partnerId)).toEqual(['P1']);
    expect(scoped.results[0]!.lines.reduce((n, l) => n + l.units, 0)).toBe(units(whole, 'P1'));
  });
});
