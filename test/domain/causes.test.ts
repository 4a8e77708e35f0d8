import { describe, expect, it } from 'vitest';
import { causesOfPartner, describeCauses, type CausesEntry } from '../../shared/domain/causes.js';
import { causesText, causeText } from '../../shared/domain/render/index.js';

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

  it('says when the uploader wrote straight into S3, and from where, in English and Russian', () => {
    const direct = { ...report, uploadedBy: 'AWS:AROAEXAMPLE:kvant-sync', uploadedVia: 's3' as const, sourceIp: '203.0.113.7' };
    expect(describeCauses([direct])).toBe(
      'report incoming/kvant/k.csv replaced (version v1 → v2, uploaded by AWS:AROAEXAMPLE:kvant-sync straight into S3 from 203.0.113.7)',
    );
    expect(causesText([direct], 'ru')).toContain('загрузил: AWS:AROAEXAMPLE:kvant-sync напрямую в S3 с адреса 203.0.113.7');
    const { sourceIp: _ip, ...noAddress } = direct;
    expect(describeCauses([noAddress])).toContain('uploaded by AWS:AROAEXAMPLE:kvant-sync straight into S3)');
    expect(causesText([report], 'ru')).not.toContain('S3');
  });

  it('says one cause on its own, as a list item: in Russian not in the case that follows "после"', () => {
    const one = { ...acceptance, rows: [acceptance.rows[0]!] };
    expect(causeText(report, 'ru')).toBe('Замена отчёта incoming/kvant/k.csv (версия v1 → v2, загрузил: distributor dist-kvant)');
    expect(causesText([report], 'ru')).toMatch(/^замены отчёта incoming\/kvant\/k\.csv/);
    expect(causeText({ ...report, from: null }, 'ru')).toMatch(/^Добавление отчёта/);
    expect(causeText({ ...report, to: null }, 'ru')).toMatch(/^Отзыв отчёта/);
    expect(causeText(one, 'ru')).toMatch(/^Изменение справочных данных \(подтверждение участия P2\/client\): manager mgr-1, /);
    expect(causeText({ kind: 'rules', from: 'r1', to: 'r2' }, 'ru')).toBe('Смена правил с версии r1 на r2');
    // The recorded English note of a reference row is not what the Russian sentence says.
    expect(causeText(one, 'ru')).not.toContain(one.rows[0]!.change);
    expect(causeText(report, 'en')).toBe(describeCauses([report]));
  });

  it('says in Russian what a reference row was before and what it is now, with names and regions as recorded', () => {
    const reference = (row: Record<string, unknown>) =>
      causeText({ kind: 'reference', what: '1 row', by: 'manager mgr-1', at: '2016-04-10T10:00:00.000Z', rows: [row as never] }, 'ru');
    const partner = reference({
      kind: 'partner',
      partnerId: 'RU100101',
      key: 'ru-100101',
      before: { name: 'ООО «Альфа»', status: 'Registered', region: 'Северо-Запад' },
      after: { name: 'ООО «Альфа»', status: 'Preferred', region: 'Москва' },
      change: 'partner ru-100101: …',
    });
    expect(partner).toContain(
      'партнёр ru-100101: название ООО «Альфа», статус Preferred, регион Москва (было: название ООО «Альфа», статус Registered, регион Северо-Запад)',
    );
    const added = reference({ kind: 'partner', partnerId: 'P9', key: 'P9', before: null, after: { name: 'ИП Сидоров', status: 'Registered', region: 'Урал' }, change: '' });
    expect(added).toContain('партнёр P9: название ИП Сидоров, статус Registered, регион Урал (раньше не был зарегистрирован)');
    const plan = reference({
      kind: 'acceptance',
      partnerId: 'P2',
      key: 'P2/client',
      before: [{ plan: 150, acceptedAt: '2016-01-10T09:00:00.000Z' }],
      after: { plan: 50, acceptedAt: '2016-02-01T09:00:00.000Z' },
      change: '',
    });
    expect(plan).toMatch(/подтверждение участия P2\/client: план 50 от 01\.02\.2016[^()]*\(раньше: план 150 от 10\.01\.2016/);
    const distributor = reference({ kind: 'distributor', key: 'KVANT', before: { name: 'АО «Квант»', segments: ['commercial'] }, after: { name: 'АО «Квант»', segments: ['commercial', 'monitors'] }, change: '' });
    expect(distributor).toContain('сегменты commercial;monitors (было: название АО «Квант», сегменты commercial)');
    for (const text of [partner, added, plan, distributor]) expect(text).not.toMatch(/\b(before|partner|acceptance|accepted|plan|none)\b/);
  });
});
