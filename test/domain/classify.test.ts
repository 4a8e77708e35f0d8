import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogIndex, classify, describeProduct, normaliseSku } from '../../shared/domain/classify.js';
import { parseRules, type Rules } from '../../shared/domain/rules/load.js';
import type { ClassificationRule } from '../../shared/domain/rules/schema.js';
import type { Classification } from '../../shared/domain/types.js';
import { CLASSIFY_TABLE, type Expected } from './classify-table.js';

const rulesJson = (quarter: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../samples/rules/${quarter}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const Q1 = parseRules(rulesJson('2016-Q1'), '2016-Q1.json');

/** Q1 with its classification array replaced: to test the engine on rules of our own. */
function withRules(classification: ClassificationRule[]): Rules {
  return parseRules({ ...rulesJson('2016-Q1'), classification });
}

function expectOutcome(c: Classification, e: Expected): void {
  expect(c.outcome).toBe(e.outcome);
  expect(c.segment).toBe(e.segment);
  if (e.by !== undefined) expect(c.decidedBy).toBe(e.by);
  if (e.outcome === 'rated' && c.outcome === 'rated') {
    expect({ program: c.program, rateRow: c.rateRow, gate: c.gate }).toEqual({
      program: e.program,
      rateRow: e.rateRow,
      gate: e.gate,
    });
  } else if (e.outcome !== 'rated' && c.outcome !== 'rated') {
    expect(c.reason.length).toBeGreaterThan(0);
    if (e.reason) expect(c.reason).toMatch(e.reason);
  }
}

const allRows = CLASSIFY_TABLE.flatMap((s) => s.rows);

describe('program-rules.md §3, line by line', () => {
  for (const section of CLASSIFY_TABLE)
    describe(section.spec, () => {
      it.each(section.rows.map((r) => [r.description, r] as const))('%s', (_d, r) => {
        expectOutcome(classify(Q1, { description: r.description, sku: r.sku }), r.expect);
      });
    });
});

describe('the table covers the program', () => {
  it('has at least 80 real model names', () => {
    expect(allRows.length).toBeGreaterThanOrEqual(80);
  });

  it('hits every rate row of every program at least twice', () => {
    for (const program of Q1.programs.values())
      for (const rateRow of program.rateRows) {
        const hits = allRows.filter(
          (r) =>
            r.expect.outcome === 'rated' &&
            r.expect.program === program.id &&
            r.expect.rateRow === rateRow.id,
        );
        expect(hits.length, `${program.id}/${rateRow.id}`).toBeGreaterThanOrEqual(2);
      }
  });

  it('exercises every classification rule of the rules file', () => {
    const decided = new Set(allRows.map((r) => classify(Q1, { description: r.description }).decidedBy));
    for (const rule of Q1.file.classification) expect(decided, rule.id).toContain(rule.id);
  });

  it('gives the same answers under the Q2, Q3 and Q4 rules, which reuse Q1 classification', () => {
    for (const q of ['2016-Q2', '2016-Q3', '2016-Q4']) {
      const rules = parseRules(rulesJson(q), `${q}.json`);
      for (const r of allRows) expectOutcome(classify(rules, { description: r.description }), r.expect);
    }
  });
});

describe('precedence (§3): Rugged → Precision/Alienware → AIO → XPS → Venue Pro → model-number rows', () => {
  it('keeps the rules file in that order', () => {
    const ids = Q1.file.classification.map((r) => r.id);
    const order = [
      'latitude-rugged',
      'precision',
      'alienware',
      'optiplex-aio',
      'inspiron-aio',
      'xps',
      'venue-pro',
      'vostro-3xxx',
    ];
    const positions = order.map((id) => ids.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('is decided by rule order: the same product moves when two rules swap', () => {
    const rugged = Q1.file.classification.find((r) => r.id === 'latitude-rugged')!;
    const latitude = Q1.file.classification.find((r) => r.id === 'latitude-5-7xxx')!;
    const product = { description: 'Dell Latitude 14 Rugged 5404' };
    expect(classify(withRules([rugged, latitude]), product)).toMatchObject({
      decidedBy: 'latitude-rugged',
      gate: 'rugged',
    });
    expect(classify(withRules([latitude, rugged]), product)).toMatchObject({
      decidedBy: 'latitude-5-7xxx',
      gate: null,
    });
  });
});

describe('rule matching', () => {
  const rule = (id: string, when: ClassificationRule['when'], rateRow = 'premium'): ClassificationRule => ({
    id,
    when,
    then: { outcome: 'rated', program: 'client', rateRow },
  });

  it('matches model patterns against the whole token, x = one digit, letters case-insensitive', () => {
    const rules = withRules([rule('t1xx', { family: ['poweredge'], model: ['t1xx'] })]);
    expect(classify(rules, { description: 'PowerEdge T130' }).decidedBy).toBe('t1xx');
    expect(classify(rules, { description: 'PowerEdge T13' }).outcome).toBe('unclassified');
    expect(classify(rules, { description: 'PowerEdge T1300' }).outcome).toBe('unclassified');
    expect(classify(rules, { description: 'PowerEdge R130' }).outcome).toBe('unclassified');
  });

  it('accepts an unknown form factor only when the rule lists "unknown"', () => {
    const strict = withRules([rule('nb', { family: ['vostro'], formFactor: ['notebook'] })]);
    const lenient = withRules([rule('nb', { family: ['vostro'], formFactor: ['notebook', 'unknown'] })]);
    expect(classify(strict, { description: 'Dell Vostro 5468' }).outcome).toBe('unclassified');
    expect(classify(lenient, { description: 'Dell Vostro 5468' }).decidedBy).toBe('nb');
  });

  it('takes diagonal bounds as inclusive and needs a known diagonal', () => {
    const rules = withRules([
      rule('22-23', { family: ['monitor'], diagonal: { min: 22, max: 23 } }, 'mainstream'),
    ]);
    expect(classify(rules, { description: 'Dell S2216H' }).decidedBy).toBe('22-23');
    expect(classify(rules, { description: 'Dell P2317H' }).decidedBy).toBe('22-23');
    expect(classify(rules, { description: 'Dell P2417H' }).outcome).toBe('unclassified');
    expect(classify(rules, { description: 'Монитор Dell' }).outcome).toBe('unclassified');
  });

  it('compiles each Rules object on its own (two quarters never share a compiled rule set)', () => {
    const a = withRules([rule('a', { family: ['xps'] }, 'premium')]);
    const b = withRules([rule('b', { family: ['xps'] }, 'mainstream')]);
    const xps = { description: 'Dell XPS 13 9360' };
    expect(classify(a, xps)).toMatchObject({ decidedBy: 'a', rateRow: 'premium' });
    expect(classify(b, xps)).toMatchObject({ decidedBy: 'b', rateRow: 'mainstream' });
    expect(classify(a, xps)).toMatchObject({ decidedBy: 'a', rateRow: 'premium' });
  });
});

describe('catalog mappings win over the model-name rules', () => {
  const catalog = catalogIndex([
    { sku: ' 210-ajpr ', program: 'client', rateRow: 'mainstream' },
    { sku: 'PREC-1', program: 'client', rateRow: 'workstation' },
    { sku: 'RUG-1', program: 'client', rateRow: 'premium' },
    { sku: 'MON-1', program: 'monitors', rateRow: '24-25' },
    { sku: 'SRV-1', program: 'enterprise', rateRow: '6xx-9xx' },
    { sku: 'INS-1', program: 'client', rateRow: 'inspiron-nb-3xxx' },
    { sku: 'PREM-1', program: 'client', rateRow: 'premium' },
    { sku: 'BAD-1', program: 'client', rateRow: 'no-such-row' },
  ]);

  it('matches the SKU trimmed and upper-cased, and says the catalog decided', () => {
    expect(normaliseSku('  210-ajpr\t')).toBe('210-AJPR');
    const c = classify(Q1, { description: 'Ноутбук Dell Latitude 5480 14"', sku: '210-AJPR  ' }, catalog);
    expect(c).toMatchObject({
      outcome: 'rated',
      program: 'client',
      rateRow: 'mainstream',
      decidedBy: 'catalog',
      segment: 'commercial',
    });
  });

  it('falls back to the rules when the line has no SKU or the SKU is not in the catalog', () => {
    expect(classify(Q1, { description: 'Dell Latitude 5480' }, catalog)).toMatchObject({
      rateRow: 'premium',
      decidedBy: 'latitude-5-7xxx',
    });
    expect(classify(Q1, { description: 'Dell Latitude 5480', sku: 'OTHER' }, catalog)).toMatchObject({
      rateRow: 'premium',
    });
  });

  it('maps a product the rules cannot read', () => {
    const c = classify(Q1, { description: 'Dell Vostro 5468', sku: 'PREM-1' }, catalog);
    expect(c).toMatchObject({
      outcome: 'rated',
      rateRow: 'premium',
      segment: 'commercial',
      gate: null,
      decidedBy: 'catalog',
    });
  });

  it('keeps the family training gate: from the matching rule, or shared by all the family rules of that row', () => {
    expect(classify(Q1, { description: 'Dell Precision 3520', sku: 'PREC-1' }, catalog)).toMatchObject({
      gate: 'precision',
    });
    expect(classify(Q1, { description: 'Latitude 14 Rugged 5404', sku: 'RUG-1' }, catalog)).toMatchObject({
      gate: 'rugged',
    });
    expect(classify(Q1, { description: 'Dell Latitude 5480', sku: 'RUG-1' }, catalog)).toMatchObject({
      gate: null,
    });
    // Model unreadable: the family's only workstation rule is gated.
    expect(
      classify(Q1, { description: 'Рабочая станция Dell Precision', sku: 'PREC-1' }, catalog),
    ).toMatchObject({ gate: 'precision' });
    expect(classify(Q1, { description: 'Alienware 15 R3', sku: 'PREC-1' }, catalog)).toMatchObject({
      gate: null,
      segment: 'consumer',
    });
  });

  it('takes the segment from the family, else from the families the rules put in that row, else commercial', () => {
    const seg = (sku: string) => classify(Q1, { description: 'артикул по прайсу', sku }, catalog).segment;
    expect(seg('MON-1')).toBe('monitors');
    expect(seg('SRV-1')).toBe('commercial');
    expect(seg('INS-1')).toBe('consumer');
    expect(seg('PREM-1')).toBe('commercial');
  });

  it('reports a mapping to a rate row that does not exist instead of rating it', () => {
    const c = classify(Q1, { description: 'Dell XPS 13 9360', sku: 'bad-1' }, catalog);
    expect(c).toMatchObject({ outcome: 'unclassified', decidedBy: 'catalog', segment: 'consumer' });
    if (c.outcome !== 'rated') expect(c.reason).toMatch(/client\/no-such-row.*not a rate row/);
  });
});

describe('describeProduct: reading distributor text', () => {
  it.each([
    ['Ноутбук Dell Latitude 5480 14" i5-7300U/8GB/256GB SSD', 'latitude', '5480'],
    ['DELL Vostro 3568 (3568-1234) 15.6"', 'vostro', '3568'],
    ['Dell Latitude E5470', 'latitude', '5470'],
    ['Сервер Dell PowerEdge R730xd 2xE5-2620v4', 'poweredge', 'R730'],
    ['Dell Precision Tower 7910 2x Xeon E5-2620 v4', 'precision', '7910'],
    ['Dell PowerEdge T110 II', 'poweredge', 'T110'],
    ['Сервер Dell R730 2U', 'poweredge', 'R730'],
    ['Ноутбук Dell Inspiron 15 5000 (5567) i5-7200U', 'inspiron', '5567'],
    ['DELL INSPIRON 24-5459', 'inspiron', '5459'],
    ['Dell Inspiron 15-3567 i3', 'inspiron', '3567'],
    ['Dell Inspiron DDR4-2400', 'inspiron', null],
    ['Dell Inspiron 15 i5-7200U 8GB 1TB 2400MHz', 'inspiron', null],
    ['Коммутатор Dell PowerConnect 2848', 'powerconnect', '2848'],
    ['Dell Networking 2808', 'powerconnect', '2808'],
    ['Коммутатор Dell Networking N2024P', 'networking', 'N2024'],
    ['СХД Dell MD3420', 'powervault', 'MD3420'],
    ['Alienware 15 R3 i7-7700HQ/16GB/GTX1070', 'alienware', null],
  ] as const)('%s → %s %s', (text, family, model) => {
    expect(describeProduct(text)).toMatchObject({ family, model });
  });

  it('does not read a Xeon E5-2620v4 as a Latitude E-series, nor "R3" of Alienware 15 R3 as a PowerEdge', () => {
    expect(describeProduct('Dell Precision T7810 E5-2620v4').family).toBe('precision');
    expect(describeProduct('Xeon E5-2620v4 2.1GHz').family).toBeNull();
    expect(describeProduct('Alienware 15 R3').family).toBe('alienware');
  });

  it('reads Cyrillic look-alike letters typed into a model code', () => {
    expect(describeProduct('Монитор Dell Е2216Н')).toMatchObject({
      model: 'E2216H',
      monitorSeries: 'E',
      diagonal: 22,
    });
  });

  describe('form factor', () => {
    it.each([
      ['Ноутбук Dell Vostro 5468', 'notebook'],
      ['Dell Latitude 5285 2-in-1', 'notebook'],
      ['Dell OptiPlex 3050 SFF', 'desktop'],
      ['Dell OptiPlex 7050 Micro', 'desktop'],
      ['Dell OptiPlex 3046 с картридером microSD', 'unknown'],
      ['Настольный компьютер Dell Vostro 3668', 'desktop'],
      ['Dell OptiPlex 3050 AIO', 'aio'],
      ['Dell XPS 27 7760 All-in-One Desktop', 'aio'],
      ['Планшетный компьютер Dell Venue 8 Pro', 'tablet'],
      ['Dell Precision M4800', 'notebook'],
      ['Dell Precision T3620', 'desktop'],
      ['Alienware Aurora R5', 'desktop'],
      ['Dell Vostro 5468', 'unknown'],
    ] as const)('%s → %s', (text, formFactor) => {
      expect(describeProduct(text).formFactor).toBe(formFactor);
    });

    it('reads the screen size in an Inspiron/XPS name: 19 and over an all-in-one, 17 and under a notebook', () => {
      expect(describeProduct('Dell Inspiron 24 5459').formFactor).toBe('aio');
      expect(describeProduct('Dell Inspiron 20 3052').formFactor).toBe('aio');
      expect(describeProduct('Dell Inspiron 15 3567').formFactor).toBe('notebook');
      expect(describeProduct('Dell XPS 13 9360').formFactor).toBe('notebook');
      expect(describeProduct('Dell Vostro 5468 14"').formFactor).toBe('notebook');
    });

    it('lets a keyword win over the size, and ignores a size that belongs to a bundled monitor', () => {
      expect(describeProduct('Системный блок Dell Inspiron 3650 + монитор 21.5"').formFactor).toBe('desktop');
      expect(describeProduct('Dell OptiPlex 3050 + монитор Dell E2216H 21.5"')).toMatchObject({
        family: 'optiplex',
        formFactor: 'unknown',
      });
    });
  });

  it('reads Rugged and Pro, but not the Pro of "Windows 10 Pro" or of Pro Support', () => {
    expect(describeProduct('Защищенный ноутбук Dell Latitude 5414').rugged).toBe(true);
    expect(describeProduct('Dell Latitude 5480').rugged).toBe(false);
    expect(describeProduct('Dell Venue 8 Pro 5855').pro).toBe(true);
    expect(describeProduct('Dell Venue 11 Pro 7140 ProSupport 3Y').pro).toBe(true);
    expect(describeProduct('Dell Venue 8 3840 Windows 10 Pro').pro).toBe(false);
    expect(describeProduct('Dell Venue 8 3840 Win 8.1 Pro, Pro Support').pro).toBe(false);
  });

  describe('monitors', () => {
    it('takes the nominal diagonal from the two digits after the series letters', () => {
      for (const [code, series, diagonal] of [
        ['E1916H', 'E', 19],
        ['S2216H', 'S', 22],
        ['P2417H', 'P', 24],
        ['U2715H', 'U', 27],
        ['U3415W', 'U', 34],
        ['AW3418DW', 'AW', 34],
        ['SE2416H', 'SE', 24],
        ['UP3216Q', 'UP', 32],
        ['IN2030M', 'IN', 20],
        ['ST2420L', 'ST', 24],
      ] as const)
        expect(describeProduct(`Монитор Dell ${code}`), code).toMatchObject({
          family: 'monitor',
          model: code,
          monitorSeries: series,
          diagonal,
          diagonalSource: 'model-code',
        });
    });

    it('lets the model code win over a physical size in the text', () => {
      expect(describeProduct('Монитор 21.5" Dell S2216H')).toMatchObject({
        diagonal: 22,
        diagonalSource: 'model-code',
      });
    });

    it('falls back to a diagonal in the text, rounded to the nearest inch, with the series only from a word', () => {
      expect(describeProduct('Монитор Dell 23.8"')).toMatchObject({
        diagonal: 24,
        diagonalSource: 'description',
        monitorSeries: null,
      });
      expect(describeProduct('Монитор Dell UltraSharp 21,5 дюйма')).toMatchObject({
        diagonal: 22,
        monitorSeries: 'U',
      });
      expect(describeProduct('Dell 27 Monitor')).toMatchObject({ family: 'monitor', diagonal: 27 });
    });

    it('tells monitors from the families whose model numbers look alike', () => {
      expect(describeProduct('Dell P2417H').family).toBe('monitor');
      expect(describeProduct('Alienware AW3418DW').family).toBe('monitor');
      expect(describeProduct('Alienware 34 Curved Gaming Monitor')).toMatchObject({
        family: 'monitor',
        monitorSeries: 'AW',
        diagonal: 34,
      });
      expect(describeProduct('Dell Latitude E5470').family).toBe('latitude');
      expect(describeProduct('Dell E5470').family).toBeNull();
      expect(describeProduct('Dell Latitude 7480 14" FHD display').family).toBe('latitude');
      expect(describeProduct('Dell Networking S4048-ON').family).toBe('networking');
    });

    it('reads the model code from the SKU when the description has none', () => {
      expect(describeProduct('Монитор Dell 27"', 'U2715H')).toMatchObject({
        model: 'U2715H',
        diagonal: 27,
        diagonalSource: 'model-code',
      });
      expect(classify(Q1, { description: 'Монитор Dell', sku: 'P2417H' })).toMatchObject({
        outcome: 'rated',
        rateRow: '24-25',
      });
    });
  });

  it('returns frozen features, the same for the same text', () => {
    const a = describeProduct('Dell Latitude 5480');
    expect(Object.isFrozen(a)).toBe(true);
    expect(describeProduct('Dell Latitude 5480')).toEqual(a);
  });
});

describe('robustness: distributor noise and case do not change the answer', () => {
  const rated = allRows.filter((r) => r.expect.outcome !== 'unclassified');
  const NOISE = [
    'i5-7300U',
    'Core i7 7700HQ',
    '8GB/256GB SSD',
    '1TB HDD',
    'DDR4-2400',
    '(210-AJPR)',
    'Windows 10 Pro',
    'Win10Pro',
    'черный',
    'Black',
    '3Y NBD',
    'Xeon E5-2620v4',
    'GTX1070',
    'Radeon R7 M445',
    '1920x1080',
    'Wi-Fi BT',
    'Linux',
    'гарантия 3 года',
  ];

  it('appending CPU, memory, OS and part-number noise keeps the outcome', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...rated),
        fc.array(fc.constantFrom(...NOISE), { minLength: 1, maxLength: 4 }),
        (r, noise) => {
          const c = classify(Q1, { description: `${r.description} ${noise.join(' / ')}` });
          expectOutcome(c, r.expect);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('upper- or lower-casing the description keeps the outcome', () => {
    // Reasons quote the text as written, so only the outcome is compared.
    const outcomeOnly = (e: Expected): Expected => (e.outcome === 'rated' ? e : { ...e, reason: undefined });
    for (const r of allRows) {
      expectOutcome(classify(Q1, { description: r.description.toUpperCase() }), outcomeOnly(r.expect));
      expectOutcome(classify(Q1, { description: r.description.toLowerCase() }), outcomeOnly(r.expect));
    }
  });
});
