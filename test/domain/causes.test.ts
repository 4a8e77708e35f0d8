import { describe, expect, it } from 'vitest';
import { causesOfPartner, describeCauses, type CausesEntry } from '../../shared/domain/causes.js';

const report = {
  kind: 'report' as const,
  reportId: 'rpt_1',
  key: 'incoming/kvant/k.csv',
  name: 'k.csv',
  distributorId: 'kvant',
  from: 'v1',
  to: 'v2',
  uploadedBy: 'distributor dist-kvant',
};
const acceptance = {
  kind: 'reference' as const,
  what: '2 acceptances (P2, P3)',
  by: 'manager mgr-1',
  at: '2016-04-10T10:00:00.000Z',
  rows: [
    { kind: 'acceptance' as const, partnerId: 'P2', key: 'P2/client', before: [], after: {}, change: 'acceptance of P2 for client' },
    { kind: 'acceptance' as const, partnerId: 'P3', key: 'P3/client', before: [], after: {}, change: 'acceptance of P3 for client' },
  ],
};
const entry = (partners: string[], causes: CausesEntry['causes']): CausesEntry => ({
  quarter: '2016-Q1',
  computedAt: '2016-04-10T10:00:01.000Z',
  inputsHash: 'h',
  resultHash: 'r',
  partners,
  causes,
});

describe('causesOfPartner', () => {
  it('names only the computations that changed the partner, and only its own reference rows', () => {
    const entries = [entry(['P1'], [report]), entry(['P2', 'P3'], [acceptance])];
    expect(causesOfPartner(entries, 'P1')).toEqual([report]);
    expect(causesOfPartner(entries, 'P2')).toEqual([{ ...acceptance, rows: [acceptance.rows[0]] }]);
    expect(causesOfPartner(entries, 'P4')).toEqual([]);
  });

  it('names a retried computation once, and drops a reference change that is about other partners only', () => {
    const entries = [entry(['P1'], [report]), entry(['P1'], [report]), entry(['P1'], [acceptance])];
    expect(causesOfPartner(entries, 'P1')).toEqual([report]);
  });

  it('says in words which report, which versions and who uploaded it, or that nothing was recorded', () => {
    expect(describeCauses([report])).toBe('report incoming/kvant/k.csv replaced (version v1 → v2, uploaded by distributor dist-kvant)');
    expect(describeCauses([{ ...acceptance, rows: [acceptance.rows[0]!] }])).toBe(
      'reference change acceptance of P2 for client by manager mgr-1 at 2016-04-10T10:00:00.000Z',
    );
    expect(describeCauses([])).toMatch(/not recorded/);
  });
});
