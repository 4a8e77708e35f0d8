import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseAcceptances,
  parseCatalog,
  parseDistributors,
  parsePartners,
  parseTrainings,
} from '../../shared/reference/parse.js';
import type { RowError } from '../../shared/reference/types.js';

// The English words as written; the issue data beside them is tested in row-issues.test.ts.
const said = (errors: RowError[]) => errors.map(({ line, message }) => ({ line, message }));
const lines = (...ls: string[]) => ls.join('\n') + '\n';

describe('partners.csv', () => {
  it('reads rows with a BOM, CRLF, header case and spaces, quoted names; matches IDs normalised, keeps them as written', () => {
    const text =
      '\uFEFF Partner_ID , NAME ,Status, region \r\n' +
      ' id ru100123 ,ООО «Юпитер Технологии»,preferred,Central\r\n' +
      '№RU100124,"ООО ""Нордлайн"", филиал",Registered , North-West\r\n' +
      '#RU 100 125,ООО «Атлант-Сибирь»,REGISTERED,Siberian\r\n';
    const { rows, errors } = parsePartners(text);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        id: 'RU100123',
        displayId: 'id ru100123',
        name: 'ООО «Юпитер Технологии»',
        status: 'Preferred',
        region: 'Central',
      },
      {
        id: 'RU100124',
        displayId: '№RU100124',
        name: 'ООО "Нордлайн", филиал',
        status: 'Registered',
        region: 'North-West',
      },
      {
        id: 'RU100125',
        displayId: '#RU 100 125',
        name: 'ООО «Атлант-Сибирь»',
        status: 'Registered',
        region: 'Siberian',
      },
    ]);
  });

  it('keeps good rows and names the column and value of each bad one, with its line', () => {
    const { rows, errors } = parsePartners(
      lines(
        'partner_id,name,status,region',
        'RU100101,ООО «Альфа»,Gold,Central',
        'RU100102,,Registered,Volga',
        'RU?100103,ООО «Вектор»,Registered,Volga',
        'RU100104,ООО «Галактика»,Preferred,Ural',
        'ru100104,ООО «Галактика-2»,Registered,Ural',
      ),
    );
    expect(rows.map((r) => r.id)).toEqual(['RU100104']);
    expect(said(errors)).toEqual([
      { line: 2, message: 'status "Gold" must be Registered or Preferred' },
      { line: 3, message: 'name is empty' },
      {
        line: 4,
        message: 'partner_id "RU?100103" is not a partner ID: use letters and digits, e.g. RU100123',
      },
      // The same partner however written: named as this line writes it.
      { line: 6, message: 'partner_id "ru100104" is already on line 5' },
    ]);
  });

  it('reports a header without required columns once, naming what is missing and what was found', () => {
    const { rows, errors } = parsePartners(lines('partner_id,name,area', 'RU100101,ООО «Альфа»,Central'));
    expect(rows).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(1);
    expect(errors[0]!.message).toContain('no column status, region');
    expect(errors[0]!.message).toContain('columns found: partner_id, name, area');
  });

  it('suggests saving as comma-separated when the header is split by semicolons', () => {
    const { errors } = parsePartners(lines('partner_id;name;status;region', 'RU100101;A;Registered;Central'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/semicolons/);
  });

  it('says an empty file needs a header', () => {
    expect(said(parsePartners('\uFEFF\r\n').errors)).toEqual([
      { line: 1, message: 'the file is empty; it needs a header line: partner_id,name,status,region' },
    ]);
  });

  it('counts lines as a person sees them: blank lines and quoted line breaks included', () => {
    const { rows, errors } = parsePartners(
      'partner_id,name,status,region\r\n' +
        '\r\n' +
        'RU100101,"ООО «Альфа»\r\nфилиал",Registered,Central\r\n' +
        '   \r\n' +
        'RU100102,ООО «Бета»,Silver,Central\r\n',
    );
    expect(rows).toHaveLength(1);
    expect(said(errors)).toEqual([{ line: 6, message: 'status "Silver" must be Registered or Preferred' }]);
  });

  it('rejects a row whose values do not line up with the header, and tolerates trailing empty cells', () => {
    const { rows, errors } = parsePartners(
      lines(
        'partner_id,name,status,region',
        'RU100101,ООО Альфа, Москва,Registered,Central',
        'RU100102,ООО Бета,Registered',
        'RU100103,ООО Вектор,Registered,Volga,,',
      ),
    );
    expect(rows.map((r) => r.id)).toEqual(['RU100103']);
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(errors[0]!.message).toContain('has 5 values but the header has 4 columns');
  });

  it('finds the same partner however a person writes the ID', () => {
    const writeMessily = fc
      .record({
        prefix: fc.constantFrom('', 'id', 'ID ', ' Id', '№', '#', '# '),
        lower: fc.boolean(),
        cuts: fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 3 }),
        pad: fc.constantFrom('', ' ', '  '),
      })
      .map(({ prefix, lower, cuts, pad }) => {
        let id = 'RU100123';
        for (const c of [...new Set(cuts)].sort((a, b) => b - a)) id = `${id.slice(0, c)} ${id.slice(c)}`;
        return `${pad}${prefix}${lower ? id.toLowerCase() : id}${pad}`;
      });
    fc.assert(
      fc.property(writeMessily, (written) => {
        const { rows, errors } = parsePartners(
          lines('partner_id,name,status,region', `${written},A,Registered,Central`),
        );
        expect(errors).toEqual([]);
        expect(rows[0]!.id).toBe('RU100123');
        expect(rows[0]!.displayId).toBe(written.trim());
      }),
    );
  });
});

describe('distributors.csv', () => {
  it('splits segments on ; and ignores case, spaces and repeats', () => {
    const { rows, errors } = parseDistributors(
      lines(
        'distributor_id,name,segments',
        'orbita,ООО «Орбита»," Consumer ;commercial;; monitors;consumer"',
        'kvant,АО «Квант»,commercial',
      ),
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        id: 'orbita',
        displayId: 'orbita',
        name: 'ООО «Орбита»',
        segments: ['consumer', 'commercial', 'monitors'],
      },
      { id: 'kvant', displayId: 'kvant', name: 'АО «Квант»', segments: ['commercial'] },
    ]);
  });

  it('takes IDs in any case: matched lower-case, kept as written', () => {
    const { rows, errors } = parseDistributors(
      lines(
        'distributor_id,name,segments',
        ' D-MERL ,ООО «Меридиан»,consumer',
        'Kvant,АО «Квант»,commercial',
      ),
    );
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.id, r.displayId])).toEqual([
      ['d-merl', 'D-MERL'],
      ['kvant', 'Kvant'],
    ]);
  });

  it('names unknown segments, empty segments and IDs that cannot be a folder name', () => {
    const { rows, errors } = parseDistributors(
      lines(
        'distributor_id,name,segments',
        'orbita,ООО «Орбита»,consumer;retail',
        'kvant,АО «Квант»,;',
        'Квант Трейд,АО «Квант»,commercial',
        'meridian,ООО «Меридиан»,consumer',
        'MERIDIAN,ООО «Меридиан»,commercial',
      ),
    );
    expect(rows.map((r) => r.id)).toEqual(['meridian']);
    expect(said(errors)).toEqual([
      {
        line: 2,
        message:
          'segments "consumer;retail" has "retail", which is not a segment; use consumer, commercial, monitors separated by ;',
      },
      {
        line: 3,
        message: 'segments ";" names no segment; use consumer, commercial, monitors separated by ;',
      },
      {
        line: 4,
        message: 'distributor_id "Квант Трейд" must be letters, digits and dashes, e.g. "orbita" or "D-MERL"',
      },
      { line: 6, message: 'distributor_id "MERIDIAN" is already on line 5' },
    ]);
  });
});

describe('acceptances.csv', () => {
  it('reads a chosen plan or none, and keeps explicit offsets', () => {
    const { rows, errors } = parseAcceptances(
      lines(
        'partner_id,program,plan,accepted_at',
        '№RU100101,Client,,2016-02-01T10:15:00+03:00',
        'RU100102,client, 50 ,2016-03-31T23:59:59+03:00',
        'RU100103,monitors,300,2016-01-28T07:30:00Z',
        'RU100104,enterprise,5,2016-02-08 15:20+03:00',
      ),
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { partnerId: 'RU100101', program: 'client', plan: null, acceptedAt: '2016-02-01T10:15:00+03:00' },
      { partnerId: 'RU100102', program: 'client', plan: 50, acceptedAt: '2016-03-31T23:59:59+03:00' },
      { partnerId: 'RU100103', program: 'monitors', plan: 300, acceptedAt: '2016-01-28T07:30:00Z' },
      { partnerId: 'RU100104', program: 'enterprise', plan: 5, acceptedAt: '2016-02-08T15:20+03:00' },
    ]);
  });

  it('refuses a time without an offset, since the time zone must be explicit', () => {
    const { rows, errors } = parseAcceptances(
      lines(
        'partner_id,program,plan,accepted_at',
        'RU100101,client,,2016-02-01T10:00:00+03:00',
        'RU100102,client,,2016-02-02T10:00:00+03:00',
        'RU100103,client,,2016-02-03T10:00:00+03:00',
        'RU100104,client,,2016-03-01 10:00',
        'RU100105,client,,2016-03-01',
        'RU100106,client,,01.03.2016 10:00',
        'RU100107,client,,2016-02-30T10:00:00+03:00',
        'RU100108,client,,2016-03-01T24:00:00+03:00',
      ),
    );
    expect(rows).toHaveLength(3);
    expect(said(errors)).toEqual([
      {
        line: 5,
        message:
          'accepted_at "2016-03-01 10:00" has no time zone offset; write it like 2016-03-01T10:00:00+03:00',
      },
      {
        line: 6,
        message: 'accepted_at "2016-03-01" has no time zone offset; write it like 2016-03-01T10:00:00+03:00',
      },
      {
        line: 7,
        message:
          'accepted_at "01.03.2016 10:00" is not an ISO 8601 date and time; write it like 2016-03-01T10:00:00+03:00',
      },
      {
        line: 8,
        message:
          'accepted_at "2016-02-30T10:00:00+03:00" is not a real date and time; write it like 2016-03-01T10:00:00+03:00',
      },
      {
        line: 9,
        message:
          'accepted_at "2016-03-01T24:00:00+03:00" is not a real date and time; write it like 2016-03-01T10:00:00+03:00',
      },
    ]);
  });

  it('names a bad plan and program, and reports every bad cell of a row', () => {
    const { rows, errors } = parseAcceptances(
      lines('partner_id,program,plan,accepted_at', ',client program,fifty,2016-03-01T10:00:00+03:00'),
    );
    expect(rows).toEqual([]);
    expect(said(errors)).toEqual([
      { line: 2, message: 'partner_id is empty' },
      {
        line: 2,
        message: 'program "client program" must be lower-case letters, digits and dashes, e.g. "client"',
      },
      {
        line: 2,
        message: 'plan "fifty" must be a whole number of units such as 50, or empty when no plan was chosen',
      },
    ]);
  });

  it('keeps every acceptance of a program by a partner, in file order: a later one may change the plan', () => {
    const { rows, errors } = parseAcceptances(
      lines(
        'partner_id,program,plan,accepted_at',
        'RU100101,client,50,2016-02-01T10:00:00+03:00',
        'RU100101,monitors,,2016-02-01T10:00:00+03:00',
        'ru 100101,client,150,2016-02-05T10:00:00+03:00',
        'RU100101,client,150,2016-04-05T10:00:00+03:00',
        'RU100101,client,,2016-02-01T10:00:00+03:00',
      ),
    );
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.program, r.plan, r.acceptedAt])).toEqual([
      ['client', 50, '2016-02-01T10:00:00+03:00'],
      ['monitors', null, '2016-02-01T10:00:00+03:00'],
      ['client', 150, '2016-02-05T10:00:00+03:00'],
      ['client', 150, '2016-04-05T10:00:00+03:00'],
      ['client', null, '2016-02-01T10:00:00+03:00'],
    ]);
  });

  it('reads an exact repeat of an acceptance (the same instant, however written) as that one acceptance', () => {
    const { rows, errors } = parseAcceptances(
      lines(
        'partner_id,program,plan,accepted_at',
        'RU100101,client,50,2016-02-01T10:00:00+03:00',
        'RU100101,client,50,2016-02-01T07:00:00Z',
        '№RU100101,Client,50,2016-02-01T10:00:00+03:00',
        'RU100102,client,50,2016-02-01T10:00:00+03:00',
      ),
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { partnerId: 'RU100101', program: 'client', plan: 50, acceptedAt: '2016-02-01T10:00:00+03:00' },
      { partnerId: 'RU100102', program: 'client', plan: 50, acceptedAt: '2016-02-01T10:00:00+03:00' },
    ]);
  });
});

describe('trainings.csv', () => {
  it('reads course codes in any case, kept as written, and needs an offset on completed_at', () => {
    const { rows, errors } = parseTrainings(
      lines(
        'Partner_Id,Course_Code,Completed_At',
        'RU100107,dpws0212wbts,2015-11-20T10:00:00+03:00',
        'RU100109,LATRUGGED-SALES,2016-02-24T09:30:00+03:00',
        'RU100111,DPWT0212WBTT,2016-04-30',
        'RU100112,DP WS,2016-02-24T09:30:00+03:00',
      ),
    );
    expect(rows).toEqual([
      { partnerId: 'RU100107', courseCode: 'dpws0212wbts', completedAt: '2015-11-20T10:00:00+03:00' },
      { partnerId: 'RU100109', courseCode: 'LATRUGGED-SALES', completedAt: '2016-02-24T09:30:00+03:00' },
    ]);
    expect(said(errors)).toEqual([
      {
        line: 4,
        message: 'completed_at "2016-04-30" has no time zone offset; write it like 2016-03-01T10:00:00+03:00',
      },
      { line: 5, message: 'course_code "DP WS" is not a course code like DPWS0212WBTS' },
    ]);
  });
});

describe('catalog.csv', () => {
  it('reads mappings and refuses a SKU mapped twice', () => {
    const { rows, errors } = parseCatalog(
      lines(
        'sku,program,rate_row',
        '5468-7851,client,premium',
        '3459-8822,Client,Inspiron-NB-3xxx',
        '5468-7851 ,client,mainstream',
        '210-ajdp,monitors,24-25',
        '210-AJDP,monitors,24-25',
        '210-AJDP,monitors,24 25',
      ),
    );
    expect(rows).toEqual([
      { sku: '5468-7851', program: 'client', rateRow: 'premium' },
      { sku: '3459-8822', program: 'client', rateRow: 'inspiron-nb-3xxx' },
      { sku: '210-ajdp', program: 'monitors', rateRow: '24-25' },
    ]);
    expect(said(errors)).toEqual([
      { line: 4, message: 'sku "5468-7851" is already on line 2' },
      { line: 6, message: 'sku "210-AJDP" is already on line 5' },
      { line: 7, message: 'rate_row "24 25" must be lower-case letters, digits and dashes, e.g. "premium"' },
    ]);
  });
});

describe('length bounds', () => {
  const huge = 'Я'.repeat(450_000);

  it('refuses an over-long value of every text column by line and column, never echoing the value', () => {
    const cases: [string, ReturnType<typeof parsePartners>['errors']][] = [
      ['partner name', parsePartners(lines('partner_id,name,status,region', `RU1,"${huge}",Registered,Central`)).errors],
      ['region', parsePartners(lines('partner_id,name,status,region', `RU1,Имя,Registered,${'x'.repeat(101)}`)).errors],
      ['partner ID', parsePartners(lines('partner_id,name,status,region', `${'1'.repeat(41)},Имя,Registered,Central`)).errors],
      ['distributor name', parseDistributors(lines('distributor_id,name,segments', `orbita,${'о'.repeat(301)},consumer`)).errors],
      ['program', parseAcceptances(lines('partner_id,program,plan,accepted_at', `RU1,${'c'.repeat(61)},50,2016-02-01T10:00:00+03:00`)).errors],
      ['instant', parseTrainings(lines('partner_id,course_code,completed_at', `RU1,DPWS0212WBTS,2016-02-01T10:00:00.${'0'.repeat(60)}+03:00`)).errors],
      ['sku', parseCatalog(lines('sku,program,rate_row', `${'S'.repeat(101)},client,premium`)).errors],
    ];
    for (const [what, errors] of cases) {
      expect(errors, what).toHaveLength(1);
      expect(errors[0]!.line, what).toBe(2);
      expect(errors[0]!.message, what).toMatch(/^\w+ is [\d,]+ characters long; at most \d+ are allowed$/);
    }
    expect(cases[0]![1][0]!.message).toBe('name is 450,000 characters long; at most 300 are allowed');
  });

  it('takes values right at the bound', () => {
    const name = 'Ж'.repeat(300);
    const { rows, errors } = parsePartners(
      lines('partner_id,name,status,region', `${'1'.repeat(40)},${name},Registered,${'r'.repeat(100)}`),
    );
    expect(errors).toEqual([]);
    expect(rows[0]!.name).toBe(name);
  });
});
