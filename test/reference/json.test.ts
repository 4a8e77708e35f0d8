import { describe, expect, it } from 'vitest';
import {
  AcceptanceJson,
  CatalogJson,
  DistributorJson,
  PartnerJson,
  rowsOf,
  TrainingJson,
} from '../../shared/reference/json.js';
import {
  parseAcceptances,
  parseDistributors,
  parsePartners,
  parseTrainings,
} from '../../shared/reference/parse.js';

const lines = (...ls: string[]) => ls.join('\n') + '\n';
const issues = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('JSON reference rows read by the same field rules as the CSV files', () => {
  it('keeps partner IDs as written, matches them normalised, and reads the status in any case, as the CSV does', () => {
    const json = PartnerJson.parse({
      id: ' id ru100123 ',
      name: ' ООО «Юпитер» ',
      status: 'preferred',
      region: 'Central',
    });
    const csv = parsePartners(
      lines('partner_id,name,status,region', ' id ru100123 ,ООО «Юпитер»,preferred,Central'),
    );
    expect(csv.errors).toEqual([]);
    expect(json).toEqual(csv.rows[0]);
    expect(json).toMatchObject({ id: 'RU100123', displayId: 'id ru100123', status: 'Preferred' });
  });

  it('gives the same reason as the CSV for the same bad value, after the field path instead of the column', () => {
    const cases: [unknown, string, string][] = [
      [
        { id: 'RU?100103', name: 'X', status: 'Registered', region: 'Central' },
        lines('partner_id,name,status,region', 'RU?100103,X,Registered,Central'),
        'is not a partner ID: use letters and digits, e.g. RU100123',
      ],
      [
        { id: 'RU1', name: 'X', status: 'Gold', region: 'Central' },
        lines('partner_id,name,status,region', 'RU1,X,Gold,Central'),
        'must be Registered or Preferred',
      ],
    ];
    for (const [row, text, reason] of cases) {
      const [jsonIssue] = issues(PartnerJson.safeParse(row));
      const [csvError] = parsePartners(text).errors;
      expect(jsonIssue).toMatch(new RegExp(`: ${reason.replace(/[.?]/g, '\\$&')}$`));
      expect(csvError?.message).toMatch(new RegExp(` ${reason.replace(/[.?]/g, '\\$&')}$`));
    }
  });

  it('reads instants with an explicit offset only, normalised as the CSV normalises them', () => {
    const row = { partnerId: 'ru100123', program: 'Client', plan: 50, acceptedAt: '2016-03-01 10:00:00z' };
    const json = AcceptanceJson.parse(row);
    const csv = parseAcceptances(
      lines('partner_id,program,plan,accepted_at', 'ru100123,Client,50,2016-03-01 10:00:00z'),
    );
    expect(json).toEqual(csv.rows[0]);
    expect(json).toEqual({
      partnerId: 'RU100123',
      program: 'client',
      plan: 50,
      acceptedAt: '2016-03-01T10:00:00Z',
    });

    expect(issues(AcceptanceJson.safeParse({ ...row, acceptedAt: '2016-03-01T10:00:00' }))).toEqual([
      'acceptedAt: has no time zone offset; write it like 2016-03-01T10:00:00+03:00',
    ]);
    expect(
      issues(
        TrainingJson.safeParse({
          partnerId: 'RU1',
          courseCode: 'DPWS0212WBTS',
          completedAt: '2016-02-30T10:00Z',
        }),
      ),
    ).toEqual(['completedAt: is not a real date and time; write it like 2016-03-01T10:00:00+03:00']);
  });

  it('takes a plan as a whole number of units or null, and a training of a partner ID that can match', () => {
    expect(
      AcceptanceJson.parse({ partnerId: 'RU1', program: 'client', acceptedAt: '2016-03-01T10:00Z' }).plan,
    ).toBeNull();
    for (const plan of [0, -5, 1.5, 1e300])
      expect(
        issues(
          AcceptanceJson.safeParse({
            partnerId: 'RU1',
            program: 'client',
            plan,
            acceptedAt: '2016-03-01T10:00Z',
          }),
        ),
      ).toEqual(['plan: must be a whole number of units such as 50, or null when no plan was chosen']);
    expect(
      issues(
        TrainingJson.safeParse({
          partnerId: 'RU 1/2',
          courseCode: 'dpws0212wbts',
          completedAt: '2016-03-01T10:00Z',
        }),
      ),
    ).toEqual(['partnerId: is not a partner ID: use letters and digits, e.g. RU100123']);
    const csv = parseTrainings(
      lines('partner_id,course_code,completed_at', 'RU1,dpws0212wbts,2016-03-01T10:00Z'),
    );
    expect(
      TrainingJson.parse({
        partnerId: 'RU1',
        courseCode: ' dpws0212wbts ',
        completedAt: '2016-03-01T10:00Z',
      }),
    ).toEqual(csv.rows[0]);
  });

  it('names each unknown segment by its place, and reads known ones in any case without repeats', () => {
    expect(
      issues(DistributorJson.safeParse({ id: 'gamma', name: 'Гамма', segments: ['consumer', 'servers'] })),
    ).toEqual(['segments.1: is not a segment; use consumer, commercial, monitors']);
    const json = DistributorJson.parse({
      id: 'D-MERL',
      name: 'Мерлион',
      segments: ['Consumer', ' monitors', 'consumer'],
    });
    const csv = parseDistributors(
      lines('distributor_id,name,segments', 'D-MERL,Мерлион,Consumer; monitors;consumer'),
    );
    expect(json).toEqual(csv.rows[0]);
    expect(json.segments).toEqual(['consumer', 'monitors']);
  });

  it('bounds every text before reading it, and refuses empty ones', () => {
    expect(issues(CatalogJson.safeParse({ sku: 'x'.repeat(101), program: 'client', rateRow: ' ' }))).toEqual([
      'sku: is longer than 100 characters',
      'rateRow: must not be empty',
    ]);
    expect(issues(rowsOf(CatalogJson).safeParse({ rows: [] }))).toEqual(['rows: give at least one row']);
  });
});
