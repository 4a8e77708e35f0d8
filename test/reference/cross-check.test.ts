import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../shared/domain/rules/load.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { checkReferenceAgainstRules } from '../../shared/reference/parse.js';
import type { ReferenceData } from '../../shared/reference/types.js';

const q1 = parseRules(
  JSON.parse(readFileSync(new URL('../../samples/rules/2016-Q1.json', import.meta.url), 'utf8')),
);

const base: ReferenceData = {
  partners: [
    { id: 'RU100101', displayId: 'RU100101', name: 'ООО «Альфа»', status: 'Registered', region: 'Central' },
  ],
  distributors: [{ id: 'orbita', displayId: 'orbita', name: 'ООО «Орбита»', segments: ['consumer'] }],
  acceptances: [
    { partnerId: 'RU100101', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' },
    { partnerId: 'RU100101', program: 'monitors', plan: null, acceptedAt: '2016-02-01T10:00:00+03:00' },
    { partnerId: 'RU100101', program: 'enterprise', plan: 5, acceptedAt: '2016-02-01T10:00:00+03:00' },
  ],
  trainings: [
    { partnerId: 'RU100101', courseCode: 'DPWS0212WBTS', completedAt: '2016-02-01T10:00:00+03:00' },
  ],
  catalog: [{ sku: '5468-7851', program: 'client', rateRow: 'premium' }],
};

describe('checkReferenceAgainstRules (2016-Q1)', () => {
  it('finds nothing wrong with consistent data', () => {
    expect(checkReferenceAgainstRules(base, q1)).toEqual([]);
  });

  it('names programs, plans and rate rows the rules lack, and unknown partners', () => {
    const problems = checkReferenceAgainstRules(
      {
        ...base,
        acceptances: [
          ...base.acceptances,
          { partnerId: 'RU100101', program: 'printers', plan: null, acceptedAt: '2016-02-01T10:00:00+03:00' },
          { partnerId: 'RU100102', program: 'client', plan: 75, acceptedAt: '2016-02-01T10:00:00+03:00' },
        ],
        trainings: [
          ...base.trainings,
          { partnerId: 'RU199999', courseCode: 'DBSS0109WBTS', completedAt: '2016-02-01T10:00:00+03:00' },
        ],
        catalog: [
          ...base.catalog,
          { sku: '210-AJDP', program: 'monitors', rateRow: '21-23' },
          { sku: 'X1', program: 'tablets', rateRow: 'premium' },
        ],
      },
      q1,
    );
    expect(problems.map(({ file, line, message }) => ({ file, line, message }))).toEqual([
      {
        file: 'acceptances.csv',
        line: null,
        message:
          'partner RU100101 accepted program "printers", which the 2016-Q1 rules do not have (programs: client, monitors, enterprise)',
      },
      {
        file: 'acceptances.csv',
        line: null,
        message: 'partner RU100102 accepted program "client" but is not in partners.csv',
      },
      {
        file: 'acceptances.csv',
        line: null,
        message: 'partner RU100102 chose plan 75 in program "client", whose plans in 2016-Q1 are 50 and 150',
      },
      {
        file: 'trainings.csv',
        line: null,
        message: 'partner RU199999 completed DBSS0109WBTS but is not in partners.csv',
      },
      {
        file: 'catalog.csv',
        line: null,
        message:
          'sku "210-AJDP" is mapped to rate row "21-23", which program "monitors" does not have (rate rows: 17-20, 22-23, 24-25, 27-29, 30-55)',
      },
      {
        file: 'catalog.csv',
        line: null,
        message:
          'sku "X1" is mapped to program "tablets", which the 2016-Q1 rules do not have (programs: client, monitors, enterprise)',
      },
    ]);
  });

  it('a plan of another program is not accepted (300 is a monitors plan, not a client one)', () => {
    const problems = checkReferenceAgainstRules(
      { ...base, acceptances: [{ ...base.acceptances[0]!, plan: 300 }] },
      q1,
    );
    expect(problems.map((p) => p.message)).toEqual([
      'partner RU100101 chose plan 300 in program "client", whose plans in 2016-Q1 are 50 and 150',
    ]);
  });

  it('the sample data folder agrees with the Q1 rules', async () => {
    const folder = await loadDataFolder(new URL('../../samples/data', import.meta.url).pathname);
    expect(folder.errors).toEqual([]);
    expect(checkReferenceAgainstRules(folder.reference, q1)).toEqual([]);
  });
});
