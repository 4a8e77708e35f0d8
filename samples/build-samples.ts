/**
 * Builds samples/data/: a small, realistic data folder for 2016-Q1 that exercises every rule and
 * every kind of messy report the pipeline must accept. Run with `npx tsx samples/build-samples.ts`
 * (an optional argument writes elsewhere, which the tests use to check the committed files are current).
 *
 * Deterministic: a seeded generator, no clock. Each product carries the outcome the program rules
 * give it (program-rules.md §3), so the script can also write the expected tallies and payouts into
 * samples/data/README.md, and it checks that each scenario turned out as the README says.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { format } from 'prettier';
import { formatMoscow } from '../shared/domain/calendar.js';
import { parseRules } from '../shared/domain/rules/load.js';
import {
  addDays,
  CP1251,
  csvLine,
  daysBetween,
  distributors,
  PRODUCTS,
  REPORT_HEADERS,
  ruDate,
  seeded,
  type DistributorId,
  type Product,
  type ProductKey,
} from './products.js';

const ROOT = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(process.argv[2] ?? join(ROOT, 'data'));
const rules = parseRules(
  JSON.parse(readFileSync(join(ROOT, 'rules', '2016-Q1.json'), 'utf8')),
  '2016-Q1 rules',
);
const rng = seeded(20160130);

// ---------------------------------------------------------------- reference data

const partners: [id: string, name: string, status: 'Registered' | 'Preferred', region: string][] = [
  ['RU100101', 'ООО «Альфа-Системы»', 'Preferred', 'Central'],
  ['RU100102', 'ООО «Бета Компьютерс»', 'Registered', 'North-West'],
  ['RU100103', 'ООО «Вектор Плюс»', 'Registered', 'Volga'],
  ['RU100104', 'АО «Галактика ИТ»', 'Preferred', 'Ural'],
  ['RU100105', 'ООО «Дельта-Сервер»', 'Preferred', 'Siberian'],
  ['RU100106', 'ООО «Енисей Техно»', 'Registered', 'Siberian'],
  ['RU100107', 'ООО «Зенит Проект»', 'Preferred', 'Central'],
  ['RU100108', 'ООО «Икар Софт»', 'Registered', 'South'],
  ['RU100109', 'ООО «Кристалл-Нева»', 'Registered', 'North-West'],
  ['RU100110', 'ООО «Лазурит»', 'Registered', 'Far East'],
  ['RU100111', 'ООО «Магистраль Комп»', 'Registered', 'Volga'],
  ['RU100112', 'ООО "Нордлайн"', 'Registered', 'North-West'],
  ['RU100113', 'ООО «Омега Трейд»', 'Registered', 'Central'],
  ['RU100114', 'ООО «Полюс-Инфо»', 'Registered', 'Ural'],
  ['RU100115', 'ООО «Радиус Плюс»', 'Registered', 'North Caucasus'],
  ['RU100116', 'ООО «Сигма Дисплей»', 'Preferred', 'Central'],
  ['RU100117', 'ООО «Терра Сеть»', 'Registered', 'South'],
  ['RU100118', 'ООО «Уником-Ритейл»', 'Registered', 'Retail'],
  ['RU100119', 'ООО «Феникс Цифра»', 'Registered', 'Retail'],
  ['RU100120', 'ООО «Хронос ИТ»', 'Registered', 'Siberian'],
  ['RU100121', 'ООО «Цитадель-Юг»', 'Registered', 'South'],
  ['RU100122', 'ООО «Экспресс Офис»', 'Registered', 'Volga'],
  ['RU100123', 'ООО «Юпитер Технологии»', 'Preferred', 'Central'],
  ['RU100124', 'ООО «Янтарь Балтика»', 'Registered', 'North-West'],
  ['RU100125', 'ООО «Атлант-Сибирь»', 'Registered', 'Siberian'],
];
const partnerName = new Map(partners.map(([id, name]) => [id, name]));

const IN_TIME = (date: string, time = '10:00:00') => `${date}T${time}+03:00`;
const acceptances: [partnerId: string, program: string, plan: number | null, acceptedAt: string][] = [
  ['RU100101', 'client', null, IN_TIME('2016-02-01', '10:15:00')],
  ['RU100102', 'client', 50, IN_TIME('2016-02-03', '12:00:00')],
  ['RU100103', 'client', 150, IN_TIME('2016-02-05', '09:40:00')],
  ['RU100104', 'monitors', null, IN_TIME('2016-02-02', '11:00:00')],
  ['RU100105', 'enterprise', 5, IN_TIME('2016-02-08', '15:20:00')],
  ['RU100106', 'enterprise', null, IN_TIME('2016-02-09')],
  ['RU100107', 'client', null, '2016-01-28T07:30:00Z'],
  ['RU100108', 'client', 50, IN_TIME('2016-02-15', '16:05:00')],
  ['RU100109', 'client', null, IN_TIME('2016-02-11')],
  ['RU100110', 'client', null, IN_TIME('2016-02-19', '08:45:00')],
  ['RU100111', 'client', null, IN_TIME('2016-03-02', '13:00:00')],
  ['RU100112', 'client', null, '2016-04-01T00:00:00+03:00'],
  ['RU100113', 'client', null, '2016-03-31T23:59:59+03:00'],
  ['RU100115', 'client', null, IN_TIME('2016-02-24')],
  ['RU100116', 'monitors', 100, IN_TIME('2016-02-04', '17:30:00')],
  ['RU100117', 'client', null, IN_TIME('2016-03-14')],
  ['RU100117', 'monitors', null, IN_TIME('2016-03-14')],
  ['RU100118', 'client', null, IN_TIME('2016-02-01', '09:00:00')],
  ['RU100119', 'client', null, IN_TIME('2016-02-12')],
  ['RU100120', 'enterprise', null, IN_TIME('2016-03-03', '11:20:00')],
  ['RU100121', 'client', 150, IN_TIME('2016-02-26')],
  ['RU100123', 'client', null, IN_TIME('2016-02-02', '14:10:00')],
  ['RU100124', 'client', 50, IN_TIME('2016-02-10')],
  ['RU100125', 'monitors', null, IN_TIME('2016-02-16', '10:30:00')],
];

const trainings: [partnerId: string, course: string, completedAt: string][] = [
  ['RU100105', 'DBSS0109WBTS', IN_TIME('2016-02-10', '14:30:00')],
  ['RU100105', 'DPES0909WBTT', IN_TIME('2016-02-18', '11:00:00')],
  ['RU100106', 'DTRSS0309WBTS', IN_TIME('2016-03-01', '12:00:00')],
  ['RU100107', 'DPWS0212WBTS', IN_TIME('2015-11-20')],
  ['RU100107', 'DPWT0212WBTT', '2016-02-05T13:45:00Z'],
  ['RU100108', 'DPWS0212WBTS', IN_TIME('2016-02-22', '15:00:00')],
  ['RU100109', 'LATRUGGED-SALES', IN_TIME('2016-02-24', '09:30:00')],
  ['RU100111', 'DPWS0212WBTS', IN_TIME('2016-03-10')],
  // Inside the quarter but after the training deadline (program rules §5): too late to count.
  ['RU100111', 'DPWT0212WBTT', IN_TIME('2016-04-15', '11:00:00')],
  ['RU100120', 'VRTX0613WBTS', IN_TIME('2016-03-04')],
  ['RU100120', 'DAN0214WBTT', IN_TIME('2016-03-05')],
];

const catalog: [sku: string, program: string, rateRow: string, why: string][] = [
  [
    '5468-7851',
    'client',
    'premium',
    'Vostro 5468 is a 14" notebook, but the report says only "Dell Vostro 5468"',
  ],
  [
    '3459-8822',
    'client',
    'inspiron-nb-3xxx',
    'Inspiron 3459 is a 14" notebook; the description names no form factor',
  ],
  ['5056-2923', 'client', 'premium', 'the report calls the Venue 10 Pro 5056 "Venue 10 5056", without "Pro"'],
];

// ---------------------------------------------------------------- the four reports

type FileKey = 'a' | 'b' | 'c' | 'd';

interface ReportSpec {
  distributor: DistributorId;
  path: string;
  what: string;
  from: string;
  to: string;
  lang: 'ru' | 'en';
  header: string[];
  delimiter: string;
  eol: string;
  encode: (text: string) => Buffer;
  formatDate: (iso: string) => string;
  invoice: (n: number) => string;
  row: (l: Line) => string[];
}

const REPORTS: Record<FileKey, ReportSpec> = {
  a: {
    distributor: 'orbita',
    path: 'reports/orbita/orbita_sellout_Q1_2016.csv',
    what: 'Windows-1251, semicolons, Russian headers, dd.mm.yyyy dates, CRLF (a Russian Excel export)',
    from: '2016-01-30',
    to: '2016-04-29',
    lang: 'ru',
    header: REPORT_HEADERS.orbita,
    delimiter: ';',
    eol: '\r\n',
    encode: CP1251,
    formatDate: ruDate,
    invoice: (n) => `ОР-${String(4100 + n).padStart(6, '0')}`,
    row: (l) => [l.dateText, l.invoice, l.partnerText, l.sku, l.description, l.quantityText, l.serviceTag],
  },
  b: {
    distributor: 'kvant',
    path: 'reports/kvant/kvant-sellout-2016Q1.csv',
    what: 'UTF-8 with BOM, commas, English headers, ISO dates, a distributor_id column',
    from: '2016-01-30',
    to: '2016-04-29',
    lang: 'en',
    header: REPORT_HEADERS.kvant,
    delimiter: ',',
    eol: '\n',
    encode: (t) => Buffer.from(`\uFEFF${t}`, 'utf8'),
    formatDate: (iso) => iso,
    invoice: (n) => `INV-2016-${String(700 + n).padStart(5, '0')}`,
    row: (l) => [
      l.dateText,
      l.invoice,
      l.distributorText ?? 'kvant',
      l.partnerText,
      partnerName.get(l.partnerId)?.replace(/[«»"]/g, '') ?? 'ООО Неизвестный партнер',
      l.sku,
      l.description,
      l.quantityText,
      l.serviceTag,
    ],
  },
  c: {
    distributor: 'meridian',
    path: 'reports/meridian/meridian_2016-02.csv.gz',
    what: 'gzip-compressed, tab-delimited, UTF-8 without BOM, English headers, ISO dates (February)',
    from: '2016-01-30',
    to: '2016-02-29',
    lang: 'en',
    header: REPORT_HEADERS.meridianTab,
    delimiter: '\t',
    eol: '\n',
    encode: (t) => gzipSync(Buffer.from(t, 'utf8'), { level: 9 }),
    formatDate: (iso) => iso,
    invoice: (n) => `MR/16/${String(300 + n).padStart(4, '0')}`,
    row: (l) => [l.dateText, l.invoice, l.partnerText, l.sku, l.description, l.quantityText, l.serviceTag],
  },
  d: {
    distributor: 'meridian',
    path: 'reports/meridian/2016-03/meridian_march_2016.csv',
    what: 'UTF-8 without BOM, commas, Russian headers, dd.mm.yyyy dates, no SKU column (March–April, in a sub-folder)',
    from: '2016-03-01',
    to: '2016-04-29',
    lang: 'ru',
    header: REPORT_HEADERS.meridianRu,
    delimiter: ',',
    eol: '\n',
    encode: (t) => Buffer.from(t, 'utf8'),
    formatDate: ruDate,
    invoice: (n) => `МР-03/${String(120 + n).padStart(4, '0')}`,
    row: (l) => [
      l.dateText,
      l.invoice,
      l.partnerText,
      partnerName.get(l.partnerId) ?? '',
      l.description,
      l.quantityText,
      l.serviceTag,
    ],
  },
};

// ---------------------------------------------------------------- what each partner bought

/** Units bought (and returned) by one partner at one distributor; meridian's go to report c or d. */
interface Purchase {
  partner: string;
  file: FileKey;
  product: ProductKey;
  units: number;
  returns?: number;
}

const P = (partner: string, file: FileKey, product: ProductKey, units: number, returns = 0): Purchase => ({
  partner,
  file,
  product,
  units,
  returns,
});

const purchases: Purchase[] = [
  // RU100101: client, no plan chosen, over 150; a net return at meridian.
  P('RU100101', 'a', 'lat5480', 60),
  P('RU100101', 'a', 'opti3050', 40),
  P('RU100101', 'b', 'vos3568', 50),
  P('RU100101', 'b', 'opti7040', 12),
  P('RU100101', 'c', 'ins5567', 2, 3),
  // RU100102: chose plan 50, bought well over 150.
  P('RU100102', 'a', 'lat3470', 70),
  P('RU100102', 'c', 'ins5567', 20),
  P('RU100102', 'd', 'ins5567', 25),
  P('RU100102', 'b', 'vos3668', 45),
  // RU100103: chose plan 150, 146 net.
  P('RU100103', 'a', 'lat5480', 80),
  P('RU100103', 'b', 'opti3050', 40),
  P('RU100103', 'c', 'ins3567', 14),
  P('RU100103', 'd', 'ins3567', 16, 4),
  // RU100104: monitors over 300.
  P('RU100104', 'a', 'p2417h', 120),
  P('RU100104', 'a', 'u2715h', 40),
  P('RU100104', 'a', 'e1916h', 30),
  P('RU100104', 'b', 'p2217h', 80),
  P('RU100104', 'b', 'u3415w', 20),
  P('RU100104', 'b', 's2216h', 20),
  // RU100105: enterprise plan 5, trained.
  P('RU100105', 'b', 'r730', 2),
  P('RU100105', 'b', 'r330', 1),
  P('RU100105', 'b', 'md1400', 1),
  P('RU100105', 'a', 't130', 2),
  P('RU100105', 'a', 't430', 1),
  // RU100106: enterprise, only the sales training; two blades that have no rate.
  P('RU100106', 'b', 'r730', 3),
  P('RU100106', 'b', 't430', 2),
  P('RU100106', 'b', 'r330', 2),
  P('RU100106', 'a', 'm630', 2),
  // RU100107: Precision, both trainings.
  P('RU100107', 'b', 'prec3620', 12),
  P('RU100107', 'b', 'lat5480', 45),
  // RU100108: Precision, only the sales training.
  P('RU100108', 'a', 'prec3620', 10),
  P('RU100108', 'b', 'lat3470', 50),
  // RU100109: Rugged, trained.
  P('RU100109', 'a', 'rugged5404', 6),
  P('RU100109', 'b', 'opti3050', 50),
  // RU100110: Rugged, not trained.
  P('RU100110', 'b', 'rugged5404', 4),
  P('RU100110', 'b', 'vos3568', 60),
  // RU100111: Precision, technical course finished after the training deadline, within the quarter.
  P('RU100111', 'a', 'prec7510', 8),
  P('RU100111', 'c', 'ins5567', 20),
  P('RU100111', 'd', 'ins5567', 30),
  // RU100112: accepted at the deadline instant (too late).
  P('RU100112', 'a', 'lat5480', 40),
  P('RU100112', 'a', 'ins5567', 30),
  // RU100113: accepted one second before the deadline; Vostro 5468 rated only through the catalog.
  P('RU100113', 'b', 'vos5468', 5),
  P('RU100113', 'b', 'vos3568', 50),
  // RU100114: never accepted.
  P('RU100114', 'c', 'ins3567', 12),
  P('RU100114', 'd', 'ins3567', 18),
  // RU100115: below the lowest plan.
  P('RU100115', 'a', 'opti7040', 23),
  // RU100116: monitors, chose plan 100.
  P('RU100116', 'a', 'e1916h', 30),
  P('RU100116', 'a', 's2216h', 40),
  P('RU100116', 'a', 'p2417h', 50),
  P('RU100116', 'b', 'u2415', 8),
  // RU100117: small amounts in two programs, plus products outside the program.
  P('RU100117', 'a', 'xps13', 5),
  P('RU100117', 'a', 'e1916h', 10),
  P('RU100117', 'a', 'c5517h', 3),
  P('RU100117', 'a', 'venue8', 4),
  // RU100118 (Retail): consumer products.
  P('RU100118', 'a', 'xps13', 15),
  P('RU100118', 'a', 'ins5459aio', 20),
  P('RU100118', 'a', 'ins5567', 30),
  P('RU100118', 'c', 'ins3567', 25),
  // RU100119 (Retail): reaches 50 only through the catalog mappings.
  P('RU100119', 'd', 'ins3567', 40),
  P('RU100119', 'd', 'ins3650dt', 10),
  P('RU100119', 'c', 'venue10', 6),
  P('RU100119', 'c', 'ins3459', 6),
  // RU100120: enterprise, trained, but only 3 units.
  P('RU100120', 'b', 't130', 2),
  P('RU100120', 'b', 'r330', 1),
  // RU100123 / 124 / 125: partner IDs written messily.
  P('RU100123', 'a', 'lat5480', 30),
  P('RU100123', 'a', 'vos3568', 34),
  P('RU100124', 'a', 'opti3050', 53, 2),
  P('RU100125', 'a', 'p2417h', 60),
  P('RU100125', 'a', 'p2717h', 44),
];

// ---------------------------------------------------------------- report lines

interface Line {
  file: FileKey;
  sortDate: string;
  dateText: string;
  invoice: string;
  partnerId: string;
  partnerText: string;
  sku: string;
  description: string;
  quantity: number;
  quantityText: string;
  serviceTag: string;
  distributorText?: string;
  product: ProductKey;
  /** Set on a line the pipeline must reject, with the reason in plain words. */
  reject?: string;
  /** Set on a line that is valid but does not count for 2016-Q1. */
  note?: string;
}

const TAG_CHARS = '0123456789BCDFGHJKLMNPQRSTVWXYZ';
const usedTags = new Set<string>();
function serviceTag(): string {
  for (;;) {
    const tag = Array.from({ length: 7 }, () => rng.pick([...TAG_CHARS])).join('');
    if (!usedTags.has(tag)) {
      usedTags.add(tag);
      return tag;
    }
  }
}

const MESSY_IDS: Record<string, string> = {
  RU100123: ' id ru100123',
  RU100124: '№RU100124',
  RU100125: '#RU 100 125',
};
function writePartnerId(id: string): string {
  if (MESSY_IDS[id]) return MESSY_IDS[id];
  const r = rng.next();
  if (r < 0.7) return id;
  if (r < 0.8) return id.toLowerCase();
  if (r < 0.9) return `${id.slice(0, 2)} ${id.slice(2)}`;
  return `${id} `;
}

function describe(product: ProductKey, file: FileKey): string {
  const p: Product = PRODUCTS[product];
  // Russian exports still carry some English descriptions, as real ones do.
  const lang = REPORTS[file].lang === 'ru' && rng.next() < 0.8 ? 'ru' : 'en';
  const text = rng.pick(lang === 'ru' ? p.ru : p.en);
  return rng.next() < 0.1 ? `  ${text} ` : text;
}

function randomDate(file: FileKey): string {
  const { from, to } = REPORTS[file];
  return addDays(from, rng.int(0, daysBetween(from, to)));
}

function line(
  file: FileKey,
  partnerId: string,
  product: ProductKey,
  quantity: number,
  date = randomDate(file),
): Line {
  const spec = REPORTS[file];
  return {
    file,
    sortDate: date,
    dateText: spec.formatDate(date),
    invoice: '',
    partnerId,
    partnerText: writePartnerId(partnerId),
    sku: PRODUCTS[product].sku,
    description: describe(product, file),
    quantity,
    quantityText: String(quantity),
    serviceTag: Math.abs(quantity) === 1 ? serviceTag() : '',
    product,
  };
}

/** Splits units into invoice lines the way a distributor's system lists them: mostly small orders. */
function split(total: number): number[] {
  const out: number[] = [];
  let left = total;
  while (left > 0) {
    const q = Math.min(left, rng.pick([1, 1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 10, 12]));
    out.push(q);
    left -= q;
  }
  return out;
}

const lines: Line[] = [];
for (const p of purchases) {
  const product: Product = PRODUCTS[p.product];
  const dist = REPORTS[p.file].distributor;
  if (product.viaCatalog && p.file === 'd') throw new Error(`${p.product} needs a report with a SKU column`);
  if (product.segment && !distributors.find((d) => d.id === dist)!.segments.includes(product.segment))
    throw new Error(`${p.partner} buys ${p.product} at ${dist}, which is not authorised for it`);
  for (const q of split(p.units)) lines.push(line(p.file, p.partner, p.product, q));
  for (const q of split(p.returns ?? 0)) lines.push(line(p.file, p.partner, p.product, -q));
}

// Boundary dates, fixed rather than random.
lines.push({ ...line('a', 'RU100101', 'opti3050', 2, '2016-04-29') });
lines.push({
  ...line('a', 'RU100101', 'opti3050', 2, '2016-04-30'),
  note: 'dated 30.04.2016: a sale of 2016-Q2, not counted in Q1',
});

// Lines that must be rejected, one reason each.
const bad = (l: Line, reject: string, patch: Partial<Line> = {}): void => {
  lines.push({ ...l, ...patch, reject });
};
bad(line('a', 'RU199999', 'lat5480', 2), 'unknown partner: RU199999 is not in partners.csv');
bad(line('a', 'RU100102', 'lat3470', 3, '2016-02-29'), 'bad date: there is no 31 February', {
  dateText: '31.02.2016',
});
bad(line('a', 'RU100101', 'lat5480', 4, '2016-01-30'), 'date outside every quarter with rules (2015-12-01)', {
  dateText: '01.12.2015',
});
bad(line('a', 'RU100104', 'p2417h', 12), 'quantity "12,5" is not a whole number of units', {
  quantityText: '12,5',
});
bad(line('a', 'RU100118', 'hdmi', 5), 'unknown product: an HDMI cable is no Dell product of the program');
bad(line('b', 'RU100118', 'ins5567', 10), 'kvant is not authorised for the consumer segment (Inspiron)');
bad(
  line('b', 'RU100107', 'lat5480', 3),
  'distributor_id column says "orbita" but the file is in kvant\'s folder',
  {
    distributorText: 'orbita',
  },
);
bad(line('b', 'RU100110', 'vos3568', 6, '2016-02-30'), 'bad date: 2016-02-30 does not exist', {
  dateText: '2016-02-30',
});
bad(line('c', 'RU100115', 'ins5567', 2), 'unknown partner: "RU10O115" has a letter O where a zero belongs', {
  partnerText: 'RU10O115',
});
bad(line('c', 'RU100118', 'ins3567', 3), 'partner ID is empty', { partnerText: '' });
bad(line('d', 'RU100125', 'p2417h', 3), 'meridian is not authorised for monitors');

// Sort each file by date (as exported), number the invoices, then add a duplicate line.
const byFile = new Map<FileKey, Line[]>();
for (const key of Object.keys(REPORTS) as FileKey[]) {
  const fileLines = lines
    .filter((l) => l.file === key)
    .map((l, i) => ({ l, i }))
    .sort((x, y) => (x.l.sortDate === y.l.sortDate ? x.i - y.i : x.l.sortDate < y.l.sortDate ? -1 : 1))
    .map(({ l }) => l);
  let n = 0;
  fileLines.forEach((l, i) => {
    const prev = fileLines[i - 1];
    // Several lines of one invoice: same partner and day, another product.
    const sameInvoice =
      prev &&
      prev.partnerId === l.partnerId &&
      prev.sortDate === l.sortDate &&
      prev.product !== l.product &&
      rng.next() < 0.6;
    if (!sameInvoice) n++;
    l.invoice = REPORTS[key].invoice(n);
  });
  byFile.set(key, fileLines);
}
{
  const kvant = byFile.get('b')!;
  const original = kvant.find((l) => !l.reject && l.partnerId === 'RU100101' && l.product === 'vos3568')!;
  kvant.splice(kvant.indexOf(original) + 1, 0, {
    ...original,
    reject: 'duplicate of the line above (same invoice, partner, product, quantity)',
  });
}

// ---------------------------------------------------------------- expected outcome

interface Tally {
  partnerId: string;
  distributorId: DistributorId;
  program: string;
  rateRow: string;
  gate: string | null;
  units: number;
}

const inQ1 = (date: string) => date >= rules.firstDay && date <= rules.lastDay;
const tallies = new Map<string, Tally>();
const notRated: { file: FileKey; line: number; l: Line; why: string }[] = [];
const rejected: { file: FileKey; line: number; l: Line }[] = [];
const notes: { file: FileKey; line: number; l: Line }[] = [];

for (const [file, fileLines] of byFile)
  fileLines.forEach((l, i) => {
    const lineNo = i + 2;
    if (l.reject) return void rejected.push({ file, line: lineNo, l });
    if (l.note || !inQ1(l.sortDate)) return void notes.push({ file, line: lineNo, l });
    const intent = PRODUCTS[l.product].intent;
    if ('outcome' in intent) return void notRated.push({ file, line: lineNo, l, why: intent.why });
    const distributorId = REPORTS[file].distributor;
    const key = [l.partnerId, distributorId, intent.program, intent.rateRow, intent.gate ?? ''].join('|');
    const t = tallies.get(key) ?? {
      partnerId: l.partnerId,
      distributorId,
      program: intent.program,
      rateRow: intent.rateRow,
      gate: intent.gate ?? null,
      units: 0,
    };
    t.units += l.quantity;
    tallies.set(key, t);
  });

const trainingDeadline = formatMoscow(rules.trainingDeadline);

/**
 * The groups of a training gate the partner did not complete strictly before the training
 * deadline, each with its courses completed too late (program rules §5).
 */
function missingCourses(partnerId: string, gate: string): string[] {
  const mine = trainings.filter(([p]) => p === partnerId);
  const done = mine.filter(([, , at]) => Date.parse(at) < rules.trainingDeadline).map(([, c]) => c);
  return rules.trainings
    .get(gate)!
    .allOf.filter((g) => !g.oneOf.some((c) => done.includes(c)))
    .map((g) => {
      const late = mine
        .filter(([, c, at]) => g.oneOf.includes(c) && Date.parse(at) >= rules.trainingDeadline)
        .map(([, c, at]) => `${g.oneOf.length > 1 ? `${c} ` : ''}completed ${formatMoscow(Date.parse(at))}`);
      const courses = g.oneOf.join(' or ');
      return late.length
        ? `${courses}, ${late.join(', ')}, not before the training deadline ${trainingDeadline}`
        : courses;
    });
}

interface Outcome {
  partnerId: string;
  program: string;
  units: number;
  plan: number | null;
  amount: Decimal;
  why: string;
}

function outcome(partnerId: string, program: string): Outcome | null {
  const rows = [...tallies.values()].filter((t) => t.partnerId === partnerId && t.program === program);
  const acc = acceptances.find(([p, g]) => p === partnerId && g === program);
  if (!rows.length && !acc) return null;
  const units = rows.reduce((s, t) => s + t.units, 0);
  const none = (why: string): Outcome => ({
    partnerId,
    program,
    units,
    plan: null,
    amount: new Decimal(0),
    why,
  });
  if (!acc) return none('program not accepted: pays nothing');
  if (Date.parse(acc[3]) >= rules.acceptanceDeadline)
    return none(`accepted ${acc[3]}, not before the deadline: pays nothing`);
  const p = rules.programs.get(program)!;
  const chosen = acc[2];
  if (chosen !== null && units < chosen)
    return none(`chose plan ${chosen}, ${units} units: ${chosen - units} short, pays nothing`);
  const plan = chosen ?? [...p.plans].reverse().find((t) => units >= t) ?? null;
  if (plan === null)
    return none(`below the lowest plan ${p.plans[0]}: ${p.plans[0]! - units} short, pays nothing`);
  const basis = chosen !== null ? `chosen plan ${plan} met` : `highest plan reached: ${plan}`;
  if (p.gate) {
    const missing = missingCourses(partnerId, p.gate);
    if (missing.length)
      return { ...none(`${basis}, but trainings missing (${missing.join('; ')}): pays nothing`), plan };
  }
  const remarks: string[] = [];
  let amount = new Decimal(0);
  const groups = new Map<string, Tally[]>();
  for (const t of rows)
    groups.set(`${t.distributorId}|${t.rateRow}`, [
      ...(groups.get(`${t.distributorId}|${t.rateRow}`) ?? []),
      t,
    ]);
  for (const [key, group] of groups) {
    const net = group.reduce((s, t) => s + t.units, 0);
    const rate = rules.rate(program, group[0]!.rateRow, plan);
    if (net < 0) {
      remarks.push(`net ${net} at ${key.replace('|', ' / ')} pays 0`);
      continue;
    }
    let paid = net;
    for (const t of group)
      if (t.gate && missingCourses(partnerId, t.gate).length) {
        paid -= t.units;
        remarks.push(
          `${t.units} ${t.gate} units at ${t.distributorId} earn 0 (training missing: ${missingCourses(partnerId, t.gate).join('; ')})`,
        );
      }
    if (rate.isZero() && paid > 0)
      remarks.push(
        `${paid} units of ${group[0]!.rateRow} at ${group[0]!.distributorId} have rate 0 at plan ${plan}`,
      );
    amount = amount.plus(rate.times(Math.max(paid, 0)));
  }
  return { partnerId, program, units, plan, amount, why: [basis, ...remarks].join('; ') };
}

const outcomes = partners.flatMap(([id]) =>
  [...rules.programs.keys()].map((g) => outcome(id, g)).filter((o) => o !== null),
);
const find = (p: string, g: string) => outcomes.find((o) => o.partnerId === p && o.program === g)!;

// The scenarios the README describes must hold.
function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`sample scenario broken: ${what}`);
}
expect(find('RU100101', 'client').plan === 150, 'RU100101 reaches client 150 without choosing');
expect(
  find('RU100102', 'client').plan === 50 && find('RU100102', 'client').units >= 150,
  'RU100102 chose 50, sells ≥150',
);
expect(find('RU100103', 'client').units === 146, 'RU100103 misses 150 by 4');
expect(find('RU100104', 'monitors').plan === 300, 'RU100104 reaches monitors 300');
expect(find('RU100105', 'enterprise').amount.gt(0), 'RU100105 is paid for enterprise');
expect(
  find('RU100106', 'enterprise').amount.isZero() && find('RU100106', 'enterprise').units >= 5,
  'RU100106 untrained',
);
expect(find('RU100112', 'client').amount.isZero(), 'RU100112 accepted late');
expect(find('RU100113', 'client').plan === 50, 'RU100113 accepted in time, plan 50');
expect(
  find('RU100119', 'client').plan === 50 && find('RU100119', 'client').units - 12 < 50,
  'RU100119 needs the catalog',
);
expect(find('RU100120', 'enterprise').units === 3, 'RU100120 3 units');
expect(find('RU100124', 'client').units === 51, 'RU100124 51 units');
{
  const [, , at] = trainings.find(([p, c]) => p === 'RU100111' && c === 'DPWT0212WBTT')!;
  expect(
    Date.parse(at) >= rules.trainingDeadline &&
      Date.parse(at) < rules.endsBefore &&
      find('RU100111', 'client').why.includes('not before the training deadline'),
    'RU100111 completed its technical course within the quarter but after the training deadline',
  );
}
{
  const all = [...byFile.values()].flat().filter((l) => !l.reject);
  const keys = all.map((l) => REPORTS[l.file].row(l).join('\u0001'));
  expect(new Set(keys).size === keys.length, 'no accidental duplicate lines');
}

// ---------------------------------------------------------------- writing

// Clear only what this script writes, and never a folder someone named that holds other things.
if (process.argv[2] && existsSync(OUT) && readdirSync(OUT).length)
  throw new Error(`${OUT} is not empty: give a new or empty folder`);
rmSync(join(OUT, 'reports'), { recursive: true, force: true });
function write(rel: string, data: string | Buffer): void {
  const path = join(OUT, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
const table = (header: string[], rows: (string | number | null)[][]) =>
  [header, ...rows]
    .map((r) =>
      csvLine(
        r.map((v) => (v === null ? '' : String(v))),
        ',',
      ),
    )
    .join('\n') + '\n';

write('partners.csv', table(['partner_id', 'name', 'status', 'region'], partners));
write(
  'distributors.csv',
  table(
    ['distributor_id', 'name', 'segments'],
    distributors.map((d) => [d.id, d.name, d.segments.join(';')]),
  ),
);
write('acceptances.csv', table(['partner_id', 'program', 'plan', 'accepted_at'], acceptances));
write('trainings.csv', table(['partner_id', 'course_code', 'completed_at'], trainings));
write(
  'catalog.csv',
  table(
    ['sku', 'program', 'rate_row'],
    catalog.map(([s, g, r]) => [s, g, r]),
  ),
);

for (const [key, fileLines] of byFile) {
  const spec = REPORTS[key];
  const text =
    [spec.header, ...fileLines.map(spec.row)].map((r) => csvLine(r, spec.delimiter)).join(spec.eol) +
    spec.eol;
  write(spec.path, spec.encode(text));
}

// ---------------------------------------------------------------- README

const md = (s: string) => s.replace(/\|/g, '\\|');
const mdTable = (header: string[], rows: (string | number)[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((c) => md(String(c))).join(' | ')} |`),
  ].join('\n');
const tallyKey = (t: Tally) => [t.partnerId, t.distributorId, t.program, t.rateRow, t.gate ?? ''].join('|');
const where = (file: FileKey, lineNo: number) => `\`${REPORTS[file].path}\` line ${lineNo}`;
const lineCount = (k: FileKey) => byFile.get(k)!.length;

const readme = `# Sample data folder, 2016-Q1

A small, invented data folder that exercises the whole pipeline: every kind of messy distributor
report the pipeline must accept (encodings, delimiters, Russian or English headers, date styles,
gzip) and every rule of the program (docs/program-rules.md). All companies are invented.
**Do not edit these files by hand**: they are written by \`npx tsx samples/build-samples.ts\`
(deterministic: a fixed seed, no clock), and this README is written with them, so the numbers
below always match the files.

Run it through the one-shot command with the rules in \`samples/rules/2016-Q1.json\`.

## Files

| file | what it demonstrates |
| --- | --- |
| \`partners.csv\` | ${partners.length} resellers, Registered and Preferred, regions by federal district (Central, North-West, South, North Caucasus, Volga, Ural, Siberian, Far East) and Retail; one name with CSV-quoted \`"\` |
| \`distributors.csv\` | ${distributors.map((d) => `\`${d.id}\` (${d.segments.join(';')})`).join(', ')} |
| \`acceptances.csv\` | client, monitors and enterprise acceptances, with and without a chosen plan; one at the deadline instant (late), one a second before it, one written in UTC (\`Z\`) |
| \`trainings.csv\` | Precision (both courses; sales only; technical after the training deadline), the Rugged placeholder \`LATRUGGED-SALES\`, enterprise sales + technical |
| \`catalog.csv\` | ${catalog.map(([s, g, r, why]) => `\`${s}\` → ${g}/${r} (${why})`).join('; ')} |
${(Object.keys(REPORTS) as FileKey[]).map((k) => `| \`${REPORTS[k].path}\` | ${REPORTS[k].what}; ${lineCount(k)} lines |`).join('\n')}

Partner IDs are written the way distributors write them: \`RU100101\`, \`ru100101\`, \`RU 100101\`,
\`${MESSY_IDS.RU100123}\` (with the leading space), \`${MESSY_IDS.RU100124}\`, \`${MESSY_IDS.RU100125}\`. All of them
must match after normalisation (program rules §2.1). Returns are negative quantities. Single units
carry a 7-character service tag.

## Expected outcome per partner and program

Units are net, over the lines that count (known partner, authorised distributor, rated product,
dated in 2016-Q1). Amounts are in RUB at the applied plan's rates.

${mdTable(
  ['partner', 'program', 'units', 'plan applied', 'expected payout', 'why'],
  outcomes.map((o) => [o.partnerId, o.program, o.units, o.plan ?? '—', o.amount.toFixed(2), o.why]),
)}

Total expected payout: **${outcomes.reduce((s, o) => s.plus(o.amount), new Decimal(0)).toFixed(2)} RUB**.

Notable:
- **RU100103 misses its chosen plan**: it chose 150 and has ${find('RU100103', 'client').units} units (4 short), so client pays nothing.
- **RU100102 chose plan 50 but sold ${find('RU100102', 'client').units}**: a chosen plan's rates apply, not the higher 150.
- **RU100101** has no plan chosen and reaches 150; its Inspiron 5567 at meridian nets to a negative number (more returned than bought): that payout line pays 0 with a warning, and the units still count net toward the plan. Its sale dated 30.04.2016 belongs to 2016-Q2; the one dated 29.04.2016 (last day) counts in Q1.
- **Untrained**: RU100106 (enterprise, sales course only), RU100108 (Precision, sales course only), RU100110 (Latitude Rugged, no \`LATRUGGED-SALES\`), RU100111 (Precision technical course completed 2016-04-15: within the quarter, but not before the training deadline ${trainingDeadline}, which is the acceptance deadline). Their gated units count toward the client plan but earn 0.
- **RU100105** meets enterprise plan 5 with one sales and one technical course; **RU100120** is trained but has only 3 units.
- **RU100112** accepted at exactly 2016-04-01T00:00:00+03:00 (not strictly before the deadline): nothing. **RU100113** accepted at 2016-03-31T23:59:59+03:00: paid.
- **RU100114** bought but never accepted; **RU100121** accepted client with plan 150 and bought nothing; **RU100122** did nothing.
- **RU100116** chose monitors plan 100: its 17"–20" and 22"–23" units pay 0 at plan 100 but count toward the plan.
- **RU100119** reaches 50 only because catalog.csv maps Venue 10 5056 and Inspiron 3459; without the catalog those 12 units are not rated and it stays below 50.
- **RU100113**'s Vostro 5468 is rated only through catalog.csv (its description names no form factor).

## Expected tallies (partner × distributor × program × rate row)

${mdTable(
  ['partner', 'distributor', 'program', 'rate row', 'training gate', 'net units'],
  [...tallies.values()]
    .sort((a, b) => (tallyKey(a) < tallyKey(b) ? -1 : 1))
    .map((t) => [t.partnerId, t.distributorId, t.program, t.rateRow, t.gate ?? '—', t.units]),
)}

## Lines that must be rejected

${mdTable(
  ['where', 'partner ID as written', 'why'],
  rejected.map(({ file, line: n, l }) => [
    where(file, n),
    l.partnerText ? `\`${l.partnerText}\`` : '(empty)',
    l.reject!,
  ]),
)}

## Lines that are read but earn nothing

${mdTable(
  ['where', 'partner', 'description', 'why'],
  [
    ...notRated.map(({ file, line: n, l, why }) => [where(file, n), l.partnerId, l.description.trim(), why]),
    ...notes.map(({ file, line: n, l }) => [
      where(file, n),
      l.partnerId,
      l.description.trim(),
      l.note ?? 'not in 2016-Q1',
    ]),
  ],
)}
`;
// Formatted as `npm run format` would, so the format check stays clean.
write('README.md', await format(readme, { parser: 'markdown', proseWrap: 'preserve' }));

console.log(
  `samples/data written: ${partners.length} partners, ${distributors.length} distributors, ` +
    `${[...byFile.values()].reduce((s, ls) => s + ls.length, 0)} report lines in ${byFile.size} reports, ` +
    `${rejected.length} to reject.`,
);
