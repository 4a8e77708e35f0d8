/**
 * The sample data's building blocks, shared by samples/build-samples.ts and the benchmark's
 * generator (bench/generate.ts): a seeded generator, a Windows-1251 encoder, CSV and date helpers,
 * the three distributors, and the products with realistic descriptions and the outcome the 2016-Q1
 * rules give each. No side effects, so importing it writes nothing.
 */

// ---------------------------------------------------------------- deterministic helpers

/** mulberry32: small, seeded, good enough to shuffle sample data. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

/** Windows-1251 encoder built from the platform's decoder, so no table is typed by hand. */
export const CP1251 = (() => {
  const decoded = new TextDecoder('windows-1251').decode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const map = new Map<string, number>();
  [...decoded].forEach((ch, byte) => map.set(ch, byte));
  return (text: string) =>
    Buffer.from(
      [...text].map((ch) => {
        const b = map.get(ch);
        if (b === undefined) throw new Error(`"${ch}" has no Windows-1251 code`);
        return b;
      }),
    );
})();

export function csvLine(values: readonly string[], delimiter: string): string {
  return values
    .map((v) => (v.includes(delimiter) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
    .join(delimiter);
}

export const DAY = 86_400_000;
export const addDays = (iso: string, n: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
export const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
export const ruDate = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

// ---------------------------------------------------------------- distributors

export type DistributorId = 'orbita' | 'kvant' | 'meridian';

/**
 * The header of each distributor's report layout (data-formats "Distributor sell-out report"), in the
 * order its rows are written; shared by the samples and the benchmark generator.
 */
export const REPORT_HEADERS = {
  /** Orbita: Windows-1251, semicolons, Russian names. */
  orbita: ['Дата', 'Номер счета', 'Код партнера', 'Артикул', 'Наименование', 'Кол-во', 'Сервисный код'],
  /** Kvant: English names with a distributor_id column. */
  kvant: [
    'Invoice Date',
    'Invoice No',
    'distributor_id',
    'Dell ID',
    'Partner Name',
    'Part Number',
    'Description',
    'Qty',
    'Service Tag',
  ],
  /** Meridian's tab-separated export: English names. */
  meridianTab: ['Date', 'Invoice', 'Partner ID', 'SKU', 'Model', 'Quantity', 'Serial'],
  /** Meridian's monthly export: Russian names, no SKU. */
  meridianRu: [
    'Дата документа',
    'Номер документа',
    'ID партнера',
    'Наименование партнера',
    'Модель',
    'Количество',
    'Серийный номер',
  ],
};

export const distributors: { id: DistributorId; name: string; segments: string[] }[] = [
  { id: 'orbita', name: 'ООО «Орбита Дистрибуция»', segments: ['consumer', 'commercial', 'monitors'] },
  { id: 'kvant', name: 'АО «Квант Трейд»', segments: ['commercial', 'monitors'] },
  { id: 'meridian', name: 'ООО «Меридиан ИТ»', segments: ['consumer', 'commercial'] },
];

// ---------------------------------------------------------------- products and the outcome the rules give them

export type Intent =
  | { program: string; rateRow: string; gate?: string }
  | { outcome: 'not-eligible' | 'unrated' | 'unknown'; why: string };

export interface Product {
  sku: string;
  segment: 'consumer' | 'commercial' | 'monitors' | null;
  ru: string[];
  en: string[];
  intent: Intent;
  /** Rated only through catalog.csv: needs a report with a SKU column. */
  viaCatalog?: boolean;
}

const client = (rateRow: string, gate?: string): Intent => ({
  program: 'client',
  rateRow,
  ...(gate ? { gate } : {}),
});
const monitor = (rateRow: string): Intent => ({ program: 'monitors', rateRow });
const enterprise = (rateRow: string): Intent => ({ program: 'enterprise', rateRow });

export const PRODUCTS = {
  lat5480: {
    sku: '5480-7539',
    segment: 'commercial',
    ru: [
      'Ноутбук Dell Latitude 5480 14" i5-7300U/8GB/256GB SSD',
      'Ноутбук DELL Latitude 5480 14" FHD i5-7200U 8Gb 256Gb SSD Win10Pro',
      'Dell Latitude 5480 14" Core i5 8GB 256GB SSD ноутбук',
    ],
    en: [
      'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD',
      'DELL LATITUDE 5480 NB 14 FHD I5-7200U 8GB 256SSD W10P',
    ],
    intent: client('premium'),
  },
  lat3470: {
    sku: '3470-2451',
    segment: 'commercial',
    ru: [
      'Ноутбук Dell Latitude 3470 14" i3-6100U/4GB/500GB',
      'Dell Latitude 3470 ноутбук 14.0" HD Core i5-6200U 8Gb 1TB',
    ],
    en: ['Dell Latitude 3470 14" notebook i5-6200U 8GB 500GB', 'LATITUDE 3470 NB I3-6100U 4GB 500GB LINUX'],
    intent: client('mainstream'),
  },
  rugged5404: {
    sku: '5404-0123',
    segment: 'commercial',
    ru: [
      'Защищенный ноутбук Dell Latitude 14 Rugged 5404 i5-4310U/8GB/500GB',
      'Dell Latitude 14 Rugged 5404',
    ],
    en: ['Dell Latitude 14 Rugged 5404 notebook i5/8GB/500GB', 'LATITUDE 14 RUGGED 5404 NB'],
    intent: client('premium', 'rugged'),
  },
  prec3620: {
    sku: '3620-8741',
    segment: 'commercial',
    ru: ['Рабочая станция Dell Precision T3620 MT Xeon E3-1240v5/16GB/1TB', 'Dell Precision T3620 MT'],
    en: [
      'Dell Precision T3620 MT workstation E3-1225v5 8GB 1TB',
      'DELL PRECISION T3620 MT XEON E3-1240V5 16GB',
    ],
    intent: client('workstation', 'precision'),
  },
  prec7510: {
    sku: '7510-5512',
    segment: 'commercial',
    ru: ['Мобильная рабочая станция Dell Precision 7510 15.6" i7-6820HQ/16GB/512GB SSD'],
    en: ['Dell Precision 7510 mobile workstation 15.6" i7/16GB/512GB'],
    intent: client('workstation', 'precision'),
  },
  opti3050: {
    sku: '3050-9964',
    segment: 'commercial',
    ru: [
      'Компьютер Dell OptiPlex 3050 SFF i3-7100/4GB/500GB',
      'Dell OptiPlex 3050 SFF',
      'ПК DELL Optiplex 3050 SFF Core i5-7500 8Gb 1Tb',
    ],
    en: ['Dell OptiPlex 3050 SFF i5-7500/8GB/1TB', 'OPTIPLEX 3050 SFF DESKTOP I3-7100 4GB 500GB'],
    intent: client('optiplex-dt-3xxx'),
  },
  opti7040: {
    sku: '7040-0213',
    segment: 'commercial',
    ru: ['Компьютер Dell OptiPlex 7040 MT i7-6700/8GB/1TB', 'Dell OptiPlex 7040 MT настольный'],
    en: ['Dell OptiPlex 7040 MT desktop i5-6500 8GB 500GB'],
    intent: client('mainstream'),
  },
  vos3568: {
    sku: '3568-0344',
    segment: 'commercial',
    ru: [
      'Ноутбук Dell Vostro 3568 15.6" i3-6006U/4GB/500GB',
      'Ноутбук DELL Vostro 3568 i5-7200U 8Gb 1Tb 15,6"',
    ],
    en: ['Dell Vostro 3568 15.6" notebook i3-6006U/4GB/500GB', 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'],
    intent: client('vostro-3xxx'),
  },
  vos3668: {
    sku: '3668-1137',
    segment: 'commercial',
    ru: ['Компьютер Dell Vostro 3668 MT i3-7100/4GB/1TB'],
    en: ['Dell Vostro 3668 MT desktop i5-7400 8GB 1TB'],
    intent: client('vostro-3xxx'),
  },
  ins3567: {
    sku: '3567-7829',
    segment: 'consumer',
    ru: [
      'Ноутбук Dell Inspiron 3567 15.6" i3-6006U/4GB/1TB',
      'Ноутбук DELL Inspiron 3567 Core i5-7200U 15,6" 8Gb 256Gb SSD',
    ],
    en: ['Dell Inspiron 3567 15.6" laptop i3-6006U 4GB 1TB', 'INSPIRON 3567 NB 15.6 I5-7200U'],
    intent: client('inspiron-nb-3xxx'),
  },
  ins5567: {
    sku: '5567-3085',
    segment: 'consumer',
    ru: [
      'Ноутбук Dell Inspiron 5567 15.6" i5-7200U/8GB/1TB/R7 M445',
      'Ноутбук Dell Inspiron 5567 i7-7500U 15.6" FHD',
    ],
    en: ['Dell Inspiron 5567 15.6" notebook i5-7200U 8GB 1TB', 'INSPIRON 5567 NB I7-7500U 16GB 2TB'],
    intent: client('mainstream'),
  },
  ins5459aio: {
    sku: '5459-4270',
    segment: 'consumer',
    ru: ['Моноблок Dell Inspiron 24 5459 23.8" i5-6200U/8GB/1TB', 'Моноблок DELL Inspiron 24 5459'],
    en: ['Dell Inspiron 24 5459 AIO 23.8" i5/8GB/1TB', 'INSPIRON 24 5459 ALL-IN-ONE'],
    intent: client('premium'),
  },
  xps13: {
    sku: '9360-8842',
    segment: 'consumer',
    ru: ['Ноутбук Dell XPS 13 9360 13.3" i7-7500U/8GB/256GB SSD'],
    en: ['Dell XPS 13 9360 notebook 13.3" QHD+ i7 16GB 512GB'],
    intent: client('premium'),
  },
  ins3650dt: {
    sku: '3650-9921',
    segment: 'consumer',
    ru: ['Компьютер Dell Inspiron 3650 MT i3-6100/4GB/500GB настольный'],
    en: ['Dell Inspiron 3650 MT desktop i5-6400 8GB 1TB'],
    intent: { outcome: 'not-eligible', why: 'Inspiron 3xxx desktops are in no rate row' },
  },
  venue8: {
    sku: '3840-1123',
    segment: 'commercial',
    ru: ['Планшет Dell Venue 8 3840 16GB'],
    en: ['Dell Venue 8 3840 tablet 16GB'],
    intent: { outcome: 'not-eligible', why: 'Venue tablets without "Pro" are not in the program' },
  },
  vos5468: {
    sku: '5468-7851',
    segment: 'commercial',
    ru: ['Dell Vostro 5468 i5-7200U/8GB/256GB SSD'],
    en: ['Dell Vostro 5468 i5-7200U 8GB 256GB'],
    intent: client('premium'),
    viaCatalog: true,
  },
  ins3459: {
    sku: '3459-8822',
    segment: 'consumer',
    ru: ['Dell Inspiron 3459 i3-6100U/4GB/500GB'],
    en: ['Dell Inspiron 3459 i3-6100U/4GB/500GB'],
    intent: client('inspiron-nb-3xxx'),
    viaCatalog: true,
  },
  venue10: {
    sku: '5056-2923',
    segment: 'commercial',
    ru: ['Планшет Dell Venue 10 5056 32GB с клавиатурой'],
    en: ['Dell Venue 10 5056 32GB tablet with keyboard'],
    intent: client('premium'),
    viaCatalog: true,
  },
  e1916h: {
    sku: '210-AFPE',
    segment: 'monitors',
    ru: ['Монитор Dell E1916H 18.5" LED', 'Монитор 18.5" DELL E1916H черный'],
    en: ['Dell E1916H 18.5" monitor', 'MONITOR DELL E1916H 19IN'],
    intent: monitor('17-20'),
  },
  s2216h: {
    sku: '210-AGHN',
    segment: 'monitors',
    ru: ['Монитор Dell S2216H 21.5" IPS'],
    en: ['Dell S2216H 21.5in IPS monitor'],
    intent: monitor('22-23'),
  },
  p2217h: {
    sku: '210-AJCT',
    segment: 'monitors',
    ru: ['Монитор Dell P2217H 21.5" IPS'],
    en: ['Dell P2217H 22" monitor'],
    intent: monitor('22-23'),
  },
  p2417h: {
    sku: '210-AJDP',
    segment: 'monitors',
    ru: ['Монитор Dell P2417H 23.8"', 'Монитор DELL P2417H 23,8" IPS 1920x1080'],
    en: ['Dell P2417H 23.8" monitor', 'MONITOR DELL P2417H 24IN IPS'],
    intent: monitor('24-25'),
  },
  u2415: {
    sku: '210-ADTR',
    segment: 'monitors',
    ru: ['Монитор Dell UltraSharp U2415 24.1"'],
    en: ['Dell UltraSharp U2415 24.1" monitor'],
    intent: monitor('24-25'),
  },
  p2717h: {
    sku: '210-AJEQ',
    segment: 'monitors',
    ru: ['Монитор Dell P2717H 27" IPS'],
    en: ['Dell P2717H 27" monitor'],
    intent: monitor('27-29'),
  },
  u2715h: {
    sku: '210-ADSM',
    segment: 'monitors',
    ru: ['Монитор Dell UltraSharp U2715H 27" 2560x1440'],
    en: ['Dell UltraSharp U2715H 27in QHD monitor'],
    intent: monitor('27-29'),
  },
  u3415w: {
    sku: '210-ADYP',
    segment: 'monitors',
    ru: ['Монитор Dell UltraSharp U3415W 34" изогнутый'],
    en: ['Dell UltraSharp U3415W 34" curved monitor'],
    intent: monitor('30-55'),
  },
  c5517h: {
    sku: '210-AJWE',
    segment: 'monitors',
    ru: ['Монитор Dell C5517H 55" для конференц-залов'],
    en: ['Dell C5517H 55" conference room monitor'],
    intent: { outcome: 'not-eligible', why: "series C is not one of the program's monitor series" },
  },
  t130: {
    sku: '210-AFFS',
    segment: 'commercial',
    ru: ['Сервер Dell PowerEdge T130 E3-1220v5/8GB/1TB'],
    en: ['Dell PowerEdge T130 tower server E3-1220v5 8GB'],
    intent: enterprise('t20-t1xx'),
  },
  r330: {
    sku: '210-AFEV',
    segment: 'commercial',
    ru: ['Сервер Dell PowerEdge R330 E3-1230v5/16GB/2x1TB'],
    en: ['Dell PowerEdge R330 rack server E3-1230v5'],
    intent: enterprise('2xx-3xx'),
  },
  t430: {
    sku: '210-ADLR',
    segment: 'commercial',
    ru: ['Сервер Dell PowerEdge T430 E5-2620v4/16GB'],
    en: ['Dell PowerEdge T430 tower E5-2609v4 8GB'],
    intent: enterprise('4xx-5xx'),
  },
  r730: {
    sku: '210-ACXU',
    segment: 'commercial',
    ru: ['Сервер Dell PowerEdge R730 2xE5-2620v4', 'Сервер DELL PowerEdge R730 2x Xeon E5-2650v4 64GB'],
    en: ['Dell PowerEdge R730 2xE5-2620v4 32GB rack server'],
    intent: enterprise('6xx-9xx'),
  },
  md1400: {
    sku: '210-ADBP',
    segment: 'commercial',
    ru: ['Дисковая полка Dell PowerVault MD1400 12x3.5"'],
    en: ['Dell PowerVault MD1400 12-bay storage enclosure'],
    intent: enterprise('6xx-9xx'),
  },
  m630: {
    sku: '210-ACWK',
    segment: 'commercial',
    ru: ['Блейд-сервер Dell PowerEdge M630 2xE5-2630v4'],
    en: ['Dell PowerEdge M630 blade server 2xE5-2630v4'],
    intent: { outcome: 'unrated', why: 'PowerEdge blades (M) have no rate this quarter' },
  },
  hdmi: {
    sku: 'CAB-HDMI-18',
    segment: null,
    ru: ['Кабель HDMI 1.8 м'],
    en: ['HDMI cable 1.8 m'],
    intent: { outcome: 'unknown', why: 'not a Dell product the rules know' },
  },
} satisfies Record<string, Product>;
export type ProductKey = keyof typeof PRODUCTS;
