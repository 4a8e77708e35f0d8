/**
 * Generates the benchmark's data, deterministically (seeded), streaming every report to disk so a
 * million lines are never held in memory:
 *
 * - `main/`: a data folder of docs/data-formats.md: `--partners` resellers (default 5,000) with
 *   acceptances and trainings for most, 3 distributors, and `--lines` report lines (default
 *   1,000,000) over five reports covering every encoding variant (Windows-1251 + semicolons + Russian
 *   headers + dd.mm.yyyy, UTF-8 with BOM, plain UTF-8, .csv.gz, tab), about 1.6% of lines rejected;
 * - `recalc/`: a second data folder of 10,000 partners with a few lines each, for the recalculation
 *   measurement;
 * - `single/`: one report at a tenth of `--lines` and one at `--lines`, same format and partners,
 *   to compare the ingest process's memory and writes across file sizes.
 *
 * Cached in bench/out/ under a name made of the parameters: a re-run finds `manifest.json` and skips
 * generation. `npx tsx bench/generate.ts [--lines N] [--partners N] [--quick]`.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { createProgress, type Progress } from '../local/ui/progress.js';
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
} from '../samples/products.js';

/** Bump when the generated data changes, so old caches are not reused. */
const GENERATOR_VERSION = 2;
export const BENCH_OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');

export interface GenerateOptions {
  lines: number;
  partners: number;
  recalcPartners: number;
}

export const DEFAULT_OPTIONS: GenerateOptions = { lines: 1_000_000, partners: 5_000, recalcPartners: 10_000 };
export const QUICK_LINES = 100_000;

export type Encoding = 'utf-8' | 'utf-8-bom' | 'windows-1251';

export interface GeneratedReport {
  distributorId: DistributorId;
  /** Path below the distributor's folder, as the data folder has it. */
  name: string;
  path: string;
  /** Report lines, header not counted. */
  lines: number;
  /** Lines written to be rejected (bad on purpose, or products outside the program). */
  rejectsPlanned: number;
  bytes: number;
  encoding: Encoding;
  delimiter: ',' | ';' | '\t';
  compressed: boolean;
  what: string;
}

export interface GeneratedFolder {
  dir: string;
  partners: number;
  lines: number;
  reports: GeneratedReport[];
}

export interface BenchData {
  options: GenerateOptions;
  dir: string;
  main: GeneratedFolder;
  recalc: GeneratedFolder;
  single: GeneratedReport[];
}

// ---------------------------------------------------------------- report formats

interface Line {
  date: string;
  invoice: string;
  partnerId: string;
  partnerText: string;
  partnerName: string;
  sku: string;
  description: string;
  quantity: string;
  serviceTag: string;
  distributorText?: string;
}

interface ReportFormat {
  encoding: Encoding;
  delimiter: ',' | ';' | '\t';
  eol: string;
  compressed: boolean;
  hasSku: boolean;
  lang: 'ru' | 'en';
  header: string[];
  invoice: (n: number) => string;
  row: (l: Line) => string[];
  what: string;
}

/** The sample folder's four report styles (samples/build-samples.ts), plus a gzipped Windows-1251 export. */
const FORMATS = {
  orbitaExcel: {
    what: 'Windows-1251, semicolons, Russian headers, dd.mm.yyyy, CRLF',
    encoding: 'windows-1251',
    delimiter: ';',
    eol: '\r\n',
    compressed: false,
    hasSku: true,
    lang: 'ru',
    header: REPORT_HEADERS.orbita,
    invoice: (n) => `ОР-${String(n).padStart(7, '0')}`,
    row: (l) => [ruDate(l.date), l.invoice, l.partnerText, l.sku, l.description, l.quantity, l.serviceTag],
  },
  orbitaExcelGz: {
    what: 'Windows-1251, semicolons, Russian headers, dd.mm.yyyy, CRLF, gzip',
    encoding: 'windows-1251',
    delimiter: ';',
    eol: '\r\n',
    compressed: true,
    hasSku: true,
    lang: 'ru',
    header: ['Дата отгрузки', '№ счета', 'Код партнера', 'Артикул', 'Товар', 'Количество', 'Серийный номер'],
    invoice: (n) => `ОР2-${String(n).padStart(7, '0')}`,
    row: (l) => [ruDate(l.date), l.invoice, l.partnerText, l.sku, l.description, l.quantity, l.serviceTag],
  },
  kvantBom: {
    what: 'UTF-8 with BOM, commas, English headers, ISO dates, a distributor_id column',
    encoding: 'utf-8-bom',
    delimiter: ',',
    eol: '\n',
    compressed: false,
    hasSku: true,
    lang: 'en',
    header: REPORT_HEADERS.kvant,
    invoice: (n) => `INV-2016-${String(n).padStart(7, '0')}`,
    row: (l) => [
      l.date,
      l.invoice,
      l.distributorText ?? 'kvant',
      l.partnerText,
      l.partnerName,
      l.sku,
      l.description,
      l.quantity,
      l.serviceTag,
    ],
  },
  meridianGzTab: {
    what: 'gzip, tab-delimited, UTF-8 without BOM, English headers, ISO dates',
    encoding: 'utf-8',
    delimiter: '\t',
    eol: '\n',
    compressed: true,
    hasSku: true,
    lang: 'en',
    header: REPORT_HEADERS.meridianTab,
    invoice: (n) => `MR/16/${String(n).padStart(7, '0')}`,
    row: (l) => [l.date, l.invoice, l.partnerText, l.sku, l.description, l.quantity, l.serviceTag],
  },
  meridianRu: {
    what: 'UTF-8 without BOM, commas, Russian headers, dd.mm.yyyy, no SKU column',
    encoding: 'utf-8',
    delimiter: ',',
    eol: '\n',
    compressed: false,
    hasSku: false,
    lang: 'ru',
    header: REPORT_HEADERS.meridianRu,
    invoice: (n) => `МР-${String(n).padStart(7, '0')}`,
    row: (l) => [
      ruDate(l.date),
      l.invoice,
      l.partnerText,
      l.partnerName,
      l.description,
      l.quantity,
      l.serviceTag,
    ],
  },
} satisfies Record<string, ReportFormat>;

interface ReportPlan {
  distributorId: DistributorId;
  name: string;
  format: ReportFormat;
  share: number;
  from: string;
  to: string;
}

const FIRST_DAY = '2016-01-30';
const LAST_DAY = '2016-04-29';

const MAIN_REPORTS: ReportPlan[] = [
  {
    distributorId: 'orbita',
    name: 'orbita_sellout_2016-02.csv',
    format: FORMATS.orbitaExcel,
    share: 0.2,
    from: FIRST_DAY,
    to: '2016-03-14',
  },
  {
    distributorId: 'orbita',
    name: 'orbita_sellout_2016-04.csv.gz',
    format: FORMATS.orbitaExcelGz,
    share: 0.2,
    from: '2016-03-15',
    to: LAST_DAY,
  },
  {
    distributorId: 'kvant',
    name: 'kvant-sellout-2016Q1.csv',
    format: FORMATS.kvantBom,
    share: 0.3,
    from: FIRST_DAY,
    to: LAST_DAY,
  },
  {
    distributorId: 'meridian',
    name: 'meridian_2016-02.csv.gz',
    format: FORMATS.meridianGzTab,
    share: 0.15,
    from: FIRST_DAY,
    to: '2016-02-29',
  },
  {
    distributorId: 'meridian',
    name: '2016-03/meridian_march_2016.csv',
    format: FORMATS.meridianRu,
    share: 0.15,
    from: '2016-03-01',
    to: LAST_DAY,
  },
];

// ---------------------------------------------------------------- partners

type Rng = ReturnType<typeof seeded>;
type Profile = 'client' | 'monitors' | 'enterprise' | 'client+monitors';

interface BenchPartner {
  id: string;
  name: string;
  status: 'Registered' | 'Preferred';
  region: string;
  profile: Profile;
}

const LEGAL = ['ООО', 'ООО', 'ООО', 'АО', 'ЗАО'];
const ROOTS = [
  'Альфа',
  'Бета',
  'Вектор',
  'Галактика',
  'Дельта',
  'Енисей',
  'Зенит',
  'Икар',
  'Кристалл',
  'Лазурит',
  'Магистраль',
  'Норд',
  'Омега',
  'Полюс',
  'Радиус',
  'Сигма',
  'Терра',
  'Уником',
  'Феникс',
  'Хронос',
  'Цитадель',
  'Экспресс',
  'Юпитер',
  'Янтарь',
  'Атлант',
  'Байкал',
  'Волга',
  'Гранит',
  'Кедр',
  'Орион',
];
const TAILS = [
  'Системы',
  'Компьютерс',
  'Плюс',
  'ИТ',
  'Сервер',
  'Техно',
  'Проект',
  'Софт',
  'Трейд',
  'Инфо',
  'Дисплей',
  'Сеть',
  'Ритейл',
  'Цифра',
  'Офис',
  'Технологии',
  'Интеграция',
  'Комп',
];
const REGIONS = [
  'Central',
  'North-West',
  'Volga',
  'Ural',
  'Siberian',
  'South',
  'Far East',
  'North Caucasus',
  'Retail',
];

function makePartners(count: number, idBase: number, rng: Rng): BenchPartner[] {
  return Array.from({ length: count }, (_, i) => {
    const r = rng.next();
    const profile: Profile =
      r < 0.65 ? 'client' : r < 0.8 ? 'monitors' : r < 0.9 ? 'enterprise' : 'client+monitors';
    return {
      id: `RU${idBase + i + 1}`,
      name: `${rng.pick(LEGAL)} «${rng.pick(ROOTS)} ${rng.pick(TAILS)}${rng.next() < 0.3 ? ` ${rng.int(1, 99)}` : ''}»`,
      status: rng.next() < 0.2 ? 'Preferred' : 'Registered',
      region: rng.pick(REGIONS),
      profile,
    };
  });
}

const PLANS: Record<string, (number | null)[]> = {
  client: [null, null, null, 50, 150],
  monitors: [null, null, null, 100, 300],
  enterprise: [null, null, 5],
};
const COURSES = {
  precision: ['DPWS0212WBTS', 'DPWT0212WBTT'],
  rugged: ['LATRUGGED-SALES'],
  enterpriseSales: ['DBSS0109WBTS', 'DTRSS0309WBTS', 'VRTX0613WBTS', 'DDCN0613WBTS'],
  enterpriseTech: ['DBSSTT0409WBTT', 'DPES0909WBTT', 'VRTXT0613WBTT', 'DAN0214WBTT'],
};

const instant = (date: string, rng: Rng) =>
  `${date}T${String(rng.int(8, 19)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:00+03:00`;

function referenceFiles(partners: BenchPartner[], rng: Rng) {
  const acceptances: string[][] = [];
  const trainings: string[][] = [];
  for (const p of partners) {
    const programs = p.profile === 'client+monitors' ? ['client', 'monitors'] : [p.profile];
    for (const program of programs) {
      if (rng.next() < 0.1) continue; // never accepted
      const plan = rng.pick(PLANS[program]!);
      // Mostly before the deadline (2016-04-01 00:00 Moscow); a few too late.
      const day =
        rng.next() < 0.03 ? addDays('2016-04-01', rng.int(0, 20)) : addDays(FIRST_DAY, rng.int(0, 61));
      acceptances.push([p.id, program, plan === null ? '' : String(plan), instant(day, rng)]);
    }
    const trained = (courses: string[]) => {
      for (const c of courses)
        trainings.push([p.id, c, instant(addDays('2015-11-01', rng.int(0, 170)), rng)]);
    };
    if (p.profile.startsWith('client')) {
      if (rng.next() < 0.5) trained(rng.next() < 0.8 ? COURSES.precision : COURSES.precision.slice(0, 1));
      if (rng.next() < 0.2) trained(COURSES.rugged);
    }
    if (p.profile === 'enterprise' && rng.next() < 0.8)
      trained([
        rng.pick(COURSES.enterpriseSales),
        ...(rng.next() < 0.85 ? [rng.pick(COURSES.enterpriseTech)] : []),
      ]);
  }
  const table = (header: string[], rows: readonly (readonly string[])[]) =>
    [header, ...rows].map((r) => csvLine(r, ',')).join('\n') + '\n';
  const catalog = Object.values(PRODUCTS as Record<string, Product>)
    .filter((p) => p.viaCatalog && 'program' in p.intent)
    .map((p) => [
      p.sku,
      (p.intent as { program: string }).program,
      (p.intent as { rateRow: string }).rateRow,
    ]);
  return {
    'partners.csv': table(
      ['partner_id', 'name', 'status', 'region'],
      partners.map((p) => [p.id, p.name, p.status, p.region]),
    ),
    'distributors.csv': table(
      ['distributor_id', 'name', 'segments'],
      distributors.map((d) => [d.id, d.name, d.segments.join(';')]),
    ),
    'acceptances.csv': table(['partner_id', 'program', 'plan', 'accepted_at'], acceptances),
    'trainings.csv': table(['partner_id', 'course_code', 'completed_at'], trainings),
    'catalog.csv': table(['sku', 'program', 'rate_row'], catalog),
  };
}

// ---------------------------------------------------------------- products by who buys them

const ALL_PRODUCTS = Object.values(PRODUCTS as Record<string, Product>);
const programOf = (p: Product) => ('program' in p.intent ? p.intent.program : null);
/** Products outside the program that distributors still list: read, then rejected with a reason. */
const OUTSIDE = ALL_PRODUCTS.filter((p) => 'outcome' in p.intent && p.intent.outcome !== 'unknown');
const NOT_DELL = ALL_PRODUCTS.filter((p) => 'outcome' in p.intent && p.intent.outcome === 'unknown');

function poolFor(program: string, distributorId: DistributorId, hasSku: boolean): Product[] {
  const segments = distributors.find((d) => d.id === distributorId)!.segments;
  return ALL_PRODUCTS.filter(
    (p) =>
      programOf(p) === program &&
      p.segment !== null &&
      segments.includes(p.segment) &&
      (hasSku || !p.viaCatalog),
  );
}

// ---------------------------------------------------------------- report lines

const TAG_CHARS = '0123456789BCDFGHJKLMNPQRSTVWXYZ';
const TAG_SPACE = TAG_CHARS.length ** 7;
/** Lines per report at most: each report draws its service tags from a range of its own. */
const TAGS_PER_REPORT = 10_000_000;

/**
 * The n-th service tag: 7 characters, scrambled by a multiplier coprime to the tag space so tags
 * look random, yet never repeat; a repeated tag would be a duplicate claim across reports, which the
 * pipeline answers by reading reports again, and that is not what this benchmark measures.
 */
function serviceTagOf(n: number): string {
  let x = (n * 1_000_003) % TAG_SPACE;
  let tag = '';
  for (let i = 0; i < 7; i++, x = Math.floor(x / TAG_CHARS.length)) tag += TAG_CHARS[x % TAG_CHARS.length];
  return tag;
}
const QUANTITIES = [1, 1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 10, 12];
/** Share of lines written bad on purpose (each kind below); products outside the program come on top. */
const BAD_SHARE = 0.012;
const OUTSIDE_SHARE = 0.004;
type BadKind =
  | 'unknown-partner'
  | 'bad-date'
  | 'date-outside-quarter'
  | 'bad-quantity'
  | 'missing-field'
  | 'duplicate-line'
  | 'unclassified-product'
  | 'distributor-not-authorized'
  | 'malformed-row';
const BAD_KINDS: BadKind[] = [
  'unknown-partner',
  'unknown-partner',
  'bad-date',
  'date-outside-quarter',
  'bad-quantity',
  'missing-field',
  'duplicate-line',
  'duplicate-line',
  'unclassified-product',
  'distributor-not-authorized',
  'malformed-row',
];

/** Partner IDs as distributors type them; all of these normalise to the registry's ID. */
function messyId(id: string, rng: Rng): string {
  const r = rng.next();
  if (r < 0.7) return id;
  if (r < 0.8) return id.toLowerCase();
  if (r < 0.88) return `${id.slice(0, 2)} ${id.slice(2)}`;
  if (r < 0.94) return `${id} `;
  if (r < 0.96) return ` id ${id.toLowerCase()}`;
  if (r < 0.98) return `№${id}`;
  return `#${id.slice(0, 2)} ${id.slice(2, 5)} ${id.slice(5)}`;
}

interface LineSource {
  partners: BenchPartner[];
  /** Every partner gets lines in turn (the recalculation set, the single files); else a few big buyers dominate. */
  cover: boolean;
}

/** Writes one report, streaming; returns its line and reject counts. */
async function writeReport(
  path: string,
  plan: ReportPlan,
  lines: number,
  source: LineSource,
  seed: number,
  tagRange: number,
  progress: Progress,
  done: { lines: number },
) {
  if (lines > TAGS_PER_REPORT) throw new Error(`at most ${TAGS_PER_REPORT} lines per report`);
  const { format } = plan;
  let tags = tagRange * TAGS_PER_REPORT;
  const rng = seeded(seed);
  await mkdir(dirname(path), { recursive: true });
  const file = createWriteStream(path);
  const sink: Writable = format.compressed ? createGzip({ level: 6 }) : file;
  if (format.compressed) sink.pipe(file);
  const encode = format.encoding === 'windows-1251' ? CP1251 : (t: string) => Buffer.from(t, 'utf8');

  let buffer = format.encoding === 'utf-8-bom' ? '\uFEFF' : '';
  const flush = async () => {
    if (!buffer) return;
    const ok = sink.write(encode(buffer));
    buffer = '';
    if (!ok) await once(sink, 'drain');
  };
  const emit = async (fields: string[]) => {
    buffer += csvLine(fields, format.delimiter) + format.eol;
    if (buffer.length >= 256 * 1024) await flush();
  };
  await emit(format.header);

  const pools = {
    client: poolFor('client', plan.distributorId, format.hasSku),
    monitors: poolFor('monitors', plan.distributorId, format.hasSku),
    enterprise: poolFor('enterprise', plan.distributorId, format.hasSku),
  };
  const segments = distributors.find((d) => d.id === plan.distributorId)!.segments;
  const unauthorised = ALL_PRODUCTS.filter(
    (p) => p.segment !== null && !segments.includes(p.segment) && programOf(p),
  );
  const productsOf = (p: BenchPartner): Product[] => {
    const program =
      p.profile === 'client+monitors' ? rng.pick(['client', 'client', 'monitors'] as const) : p.profile;
    const pool = pools[program];
    return pool.length ? pool : pools.client;
  };
  // Skewed: a few partners buy much more than most, as in real sell-out data.
  const pickPartner = (n: number) =>
    source.cover
      ? source.partners[n % source.partners.length]!
      : source.partners[Math.floor(source.partners.length * rng.next() ** 2)]!;
  // A distributor's system writes a partner's ID the same way every time, messy or not.
  const written = new Map<string, string>();
  const idText = (id: string) => written.get(id) ?? (written.set(id, messyId(id, rng)), written.get(id)!);
  const describe = (p: Product) => {
    const lang = format.lang === 'ru' && rng.next() < 0.8 ? 'ru' : 'en';
    const text = rng.pick(lang === 'ru' ? p.ru : p.en);
    return rng.next() < 0.1 ? `  ${text} ` : text;
  };

  const days = daysBetween(plan.from, plan.to) + 1;
  let count = 0;
  let rejectsPlanned = 0;
  let invoices = 0;
  let previous: string[] | null = null;
  for (let day = 0; day < days; day++) {
    const date = addDays(plan.from, day);
    const target = Math.round((lines * (day + 1)) / days);
    while (count < target) {
      const partner = pickPartner(invoices);
      const invoice = format.invoice(++invoices);
      const products = productsOf(partner);
      // An invoice lists each product once.
      const size = Math.min(target - count, products.length, rng.pick([1, 1, 1, 2, 2, 3, 4]));
      const listed = new Set<Product>();
      while (listed.size < size) listed.add(rng.pick(products));
      for (const pick of listed) {
        const outside = rng.next() < OUTSIDE_SHARE;
        const product = outside ? rng.pick(OUTSIDE) : pick;
        if (outside) rejectsPlanned++;
        const qty =
          (product.intent as { program?: string }).program === 'enterprise'
            ? rng.int(1, 3)
            : rng.pick(QUANTITIES);
        const returned = rng.next() < 0.015;
        const line: Line = {
          date,
          invoice,
          partnerId: partner.id,
          partnerText: idText(partner.id),
          partnerName: partner.name,
          sku: product.sku,
          description: describe(product),
          quantity: String(returned ? -qty : qty),
          serviceTag: qty === 1 ? serviceTagOf(tags++) : '',
        };
        let fields = format.row(line);
        if (!outside && rng.next() < BAD_SHARE) {
          let kind = rng.pick(BAD_KINDS);
          if (
            (kind === 'duplicate-line' && !previous) ||
            (kind === 'distributor-not-authorized' && !unauthorised.length)
          )
            kind = 'unclassified-product';
          rejectsPlanned++;
          if (kind === 'duplicate-line') {
            // An exact repeat of the line before: the same line listed twice.
            fields = previous!;
          } else {
            const bad: Line = { ...line };
            if (kind === 'unknown-partner') bad.partnerText = `RU9${rng.int(10000, 99999)}`;
            else if (kind === 'bad-date') bad.date = rng.pick(['2016-02-30', '2016-02-31', '2016-04-31']);
            else if (kind === 'date-outside-quarter') bad.date = addDays('2015-11-01', rng.int(0, 60));
            else if (kind === 'bad-quantity') bad.quantity = rng.pick(['12,5', '1e9', 'десять']);
            else if (kind === 'missing-field') bad.partnerText = '';
            else if (kind === 'unclassified-product')
              Object.assign(bad, { sku: NOT_DELL[0]!.sku, description: describe(NOT_DELL[0]!) });
            else if (kind === 'distributor-not-authorized') {
              const p = rng.pick(unauthorised);
              Object.assign(bad, { sku: p.sku, description: describe(p) });
            }
            fields = format.row(bad);
            if (kind === 'malformed-row') fields = fields.slice(0, -2);
          }
        }
        await emit(fields);
        previous = fields;
        count++;
        done.lines++;
      }
      if (invoices % 1000 === 0) progress.update(done.lines);
    }
  }
  await flush();
  sink.end();
  await once(file, 'finish');
  progress.update(done.lines);
  return { lines: count, rejectsPlanned };
}

// ---------------------------------------------------------------- folders

async function writeFolder(
  dir: string,
  partners: BenchPartner[],
  plans: ReportPlan[],
  lines: number,
  cover: boolean,
  seed: number,
  tagRanges: number,
  progress: Progress,
  done: { lines: number },
): Promise<GeneratedFolder> {
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(referenceFiles(partners, seeded(seed))))
    await writeFile(join(dir, file), text);
  const reports: GeneratedReport[] = [];
  let assigned = 0;
  for (const [i, plan] of plans.entries()) {
    const n = i === plans.length - 1 ? lines - assigned : Math.round(lines * plan.share);
    assigned += n;
    const path = join(dir, 'reports', plan.distributorId, plan.name);
    const r = await writeReport(
      path,
      plan,
      n,
      { partners, cover },
      seed + 100 + i,
      tagRanges + i,
      progress,
      done,
    );
    reports.push(await described(plan, path, r));
  }
  return { dir, partners: partners.length, lines, reports };
}

async function described(
  plan: ReportPlan,
  path: string,
  r: { lines: number; rejectsPlanned: number },
): Promise<GeneratedReport> {
  const { format } = plan;
  return {
    distributorId: plan.distributorId,
    name: plan.name,
    path,
    lines: r.lines,
    rejectsPlanned: r.rejectsPlanned,
    bytes: (await stat(path)).size,
    encoding: format.encoding,
    delimiter: format.delimiter,
    compressed: format.compressed,
    what: format.what,
  };
}

export function cacheDir(o: GenerateOptions): string {
  return join(BENCH_OUT, `data-v${GENERATOR_VERSION}-l${o.lines}-p${o.partners}-r${o.recalcPartners}`);
}

/** The single-file sizes compared for memory and writes: a tenth of the lines, and all of them. */
export const singleSizes = (lines: number) => [Math.round(lines / 10), lines];

export async function generate(
  options: GenerateOptions,
  stream: NodeJS.WritableStream = process.stderr,
): Promise<BenchData> {
  const dir = cacheDir(options);
  const manifestPath = join(dir, 'manifest.json');
  try {
    return JSON.parse(await readFile(manifestPath, 'utf8')) as BenchData;
  } catch {
    // not generated yet
  }
  const sizes = singleSizes(options.lines);
  const recalcLines = options.recalcPartners * 4;
  const total = options.lines + recalcLines + sizes[0]! + sizes[1]!;
  const progress = createProgress({
    label: `generating ${dir.replace(`${BENCH_OUT}/`, 'bench/out/')}`,
    total,
    stream,
  });
  const done = { lines: 0 };
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });

  const mainPartners = makePartners(options.partners, 200000, seeded(1));
  const main = await writeFolder(
    join(tmp, 'main'),
    mainPartners,
    MAIN_REPORTS,
    options.lines,
    false,
    1000,
    0,
    progress,
    done,
  );

  const recalcPlans: ReportPlan[] = distributors.map((d) => ({
    distributorId: d.id,
    name: `${d.id}-recalc-set.csv`,
    // kvant's format has a distributor column: each distributor's file names itself in it.
    format: {
      ...FORMATS.kvantBom,
      row: (l: Line) => FORMATS.kvantBom.row({ ...l, distributorText: l.distributorText ?? d.id }),
    },
    share: 1 / distributors.length,
    from: FIRST_DAY,
    to: LAST_DAY,
  }));
  const recalc = await writeFolder(
    join(tmp, 'recalc'),
    makePartners(options.recalcPartners, 300000, seeded(2)),
    recalcPlans,
    recalcLines,
    true,
    2000,
    MAIN_REPORTS.length,
    progress,
    done,
  );

  // The single files share partners that even the smaller one covers, so both touch the same tallies.
  const singlePartners = mainPartners.slice(
    0,
    Math.min(mainPartners.length, Math.max(1, Math.floor(sizes[0]! / 20))),
  );
  const single: GeneratedReport[] = [];
  for (const [i, n] of sizes.entries()) {
    const plan: ReportPlan = {
      distributorId: 'kvant',
      name: `kvant-single-${n}.csv`,
      format: FORMATS.kvantBom,
      share: 1,
      from: FIRST_DAY,
      to: LAST_DAY,
    };
    const path = join(tmp, 'single', plan.name);
    single.push(
      await described(
        plan,
        path,
        await writeReport(
          path,
          plan,
          n,
          { partners: singlePartners, cover: true },
          3000 + n,
          20 + i,
          progress,
          done,
        ),
      ),
    );
  }
  progress.done();

  const data: BenchData = { options, dir, main, recalc, single };
  // Paths point into the final folder once the temporary one is renamed.
  const fix = (p: string) => p.replace(tmp, dir);
  for (const f of [data.main, data.recalc]) {
    f.dir = fix(f.dir);
    for (const r of f.reports) r.path = fix(r.path);
  }
  for (const r of data.single) r.path = fix(r.path);
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify(data, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return data;
}

/** `--lines N`, `--partners N`, `--quick` (100,000 lines). */
export function optionsFromArgs(args: string[]): GenerateOptions {
  const o = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const num = () => {
      const v = Number(args[++i]?.replace(/_/g, ''));
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive whole number`);
      return v;
    };
    if (a === '--quick') o.lines = QUICK_LINES;
    else if (a === '--lines') o.lines = num();
    else if (a === '--partners') o.partners = num();
    else if (a === '--recalc-partners') o.recalcPartners = num();
    else throw new Error(`unknown option ${a}; use --lines N, --partners N, --recalc-partners N or --quick`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const data = await generate(optionsFromArgs(process.argv.slice(2)));
  process.stdout.write(`${data.dir}\n`);
}
