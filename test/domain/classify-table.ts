/**
 * Real Dell model names as distributors write them, grouped by the paragraph of
 * program-rules.md §3 they exercise, with the outcome that paragraph demands.
 * `by` (the deciding rule id) is given where the precedence itself is what is being tested.
 */
import type { Segment } from '../../shared/domain/types.js';

export type Expected =
  | { outcome: 'rated'; program: string; rateRow: string; gate: string | null; segment: Segment; by?: string }
  | {
      outcome: 'not-eligible' | 'unrated' | 'unclassified';
      segment: Segment | null;
      by?: string | null;
      /** Words the reason must contain. */
      reason?: RegExp;
    };

export interface TableRow {
  description: string;
  sku?: string;
  expect: Expected;
}

export interface TableSection {
  /** The program text this section checks. */
  spec: string;
  rows: TableRow[];
}

const row = (description: string, expect: Expected): TableRow => ({ description, expect });
const client = (rateRow: string, segment: Segment, gate: string | null = null, by?: string): Expected => ({
  outcome: 'rated',
  program: 'client',
  rateRow,
  gate,
  segment,
  ...(by ? { by } : {}),
});
const monitor = (rateRow: string, by?: string): Expected => ({
  outcome: 'rated',
  program: 'monitors',
  rateRow,
  gate: null,
  segment: 'monitors',
  ...(by ? { by } : {}),
});
// The enterprise gate is program-wide (on the program), not per family.
const enterprise = (rateRow: string): Expected => ({
  outcome: 'rated',
  program: 'enterprise',
  rateRow,
  gate: null,
  segment: 'commercial',
});
const notEligible = (segment: Segment, by: string, reason?: RegExp): Expected => ({
  outcome: 'not-eligible',
  segment,
  by,
  ...(reason ? { reason } : {}),
});
const unrated = (by: string): Expected => ({ outcome: 'unrated', segment: 'commercial', by });
const unclassified = (segment: Segment | null, reason: RegExp): Expected => ({
  outcome: 'unclassified',
  segment,
  by: null,
  reason,
});

export const CLASSIFY_TABLE: TableSection[] = [
  {
    spec: 'client — vostro-3xxx: Vostro 3xxx desktops and notebooks',
    rows: [
      row('DELL Vostro 3568 (3568-1234) 15.6"', client('vostro-3xxx', 'commercial')),
      row('Ноутбук Dell Vostro 3568 15.6" i3-6006U/4GB/500GB/DOS', client('vostro-3xxx', 'commercial')),
      row('Компьютер Dell Vostro 3268 SFF i3-7100/4Gb/1Tb', client('vostro-3xxx', 'commercial')),
      row('Dell Vostro 3667 MT i5-6400 8GB 1TB', client('vostro-3xxx', 'commercial')),
      row('DELL VOSTRO 3459 14" I5-6200U', client('vostro-3xxx', 'commercial')),
      row('dell vostro 3250 sff', client('vostro-3xxx', 'commercial')),
    ],
  },
  {
    spec: 'client — optiplex-dt-3xxx: OptiPlex 3xxx desktops',
    rows: [
      row('Dell OptiPlex 3050 SFF', client('optiplex-dt-3xxx', 'commercial')),
      row('ПК Dell Optiplex 3040 MT i3-6100/4GB/500GB/W10Pro', client('optiplex-dt-3xxx', 'commercial')),
      row('Системный блок Dell OptiPlex 3020 MT', client('optiplex-dt-3xxx', 'commercial')),
      row('Dell OptiPlex 3046 SFF Core i3-6100', client('optiplex-dt-3xxx', 'commercial')),
    ],
  },
  {
    spec: 'client — inspiron-nb-3xxx: Inspiron 3xxx notebooks',
    rows: [
      row('Ноутбук Dell Inspiron 3567 15.6" i3-6006U/4GB/1TB', client('inspiron-nb-3xxx', 'consumer')),
      row('Dell Inspiron 15 3567', client('inspiron-nb-3xxx', 'consumer')),
      row('DELL INSPIRON 3552 (3552-0523) Celeron N3060 15.6"', client('inspiron-nb-3xxx', 'consumer')),
      row('Dell Inspiron 11 3168 2-in-1 Pentium N3710', client('inspiron-nb-3xxx', 'consumer')),
      row('Dell Inspiron 15 3000 (3558)', client('inspiron-nb-3xxx', 'consumer')),
    ],
  },
  {
    spec: 'client — mainstream: Inspiron 5xxx/7xxx; OptiPlex 5xxx/7xxx/9xxx; Latitude 3xxx',
    rows: [
      row('Ноутбук Dell Inspiron 5567 15.6" i5-7200U/8GB/1TB/R7 M445', client('mainstream', 'consumer')),
      row('Dell Inspiron 13 7378 2-in-1', client('mainstream', 'consumer')),
      row('Dell Inspiron 5675 Gaming Desktop', client('mainstream', 'consumer')),
      row('Ноутбук Dell Inspiron 15 5000 (5567) i5-7200U', client('mainstream', 'consumer')),
      row('Dell OptiPlex 5050 MT', client('mainstream', 'commercial')),
      row('Dell OptiPlex 7050 Micro i5-7500T', client('mainstream', 'commercial')),
      row('OptiPlex 9020 SFF', client('mainstream', 'commercial')),
      row('Ноутбук Dell Latitude 3480 14" i3-6006U', client('mainstream', 'commercial')),
      row('Dell Latitude 3570 15.6"', client('mainstream', 'commercial')),
      row(
        'Ноутбук DELL Inspiron 5570 15.6" FHD i5-8250U/8Gb/1Tb/Radeon 530 2Gb/W10 (5570-5335)',
        client('mainstream', 'consumer'),
      ),
    ],
  },
  {
    spec: 'client — premium: Latitude 5xxx/7xxx; Vostro 5xxx notebooks; OptiPlex AIO; Inspiron AIO; Venue 8/10/11 Pro; XPS; Latitude Rugged',
    rows: [
      row(
        'Ноутбук Dell Latitude 5480 14" i5-7300U/8GB/256GB SSD',
        client('premium', 'commercial', null, 'latitude-5-7xxx'),
      ),
      row('Dell Latitude E5470', client('premium', 'commercial')),
      row('DELL LATITUDE E7470 14" I7-6600U', client('premium', 'commercial')),
      row('Dell Latitude 7280 12.5"', client('premium', 'commercial')),
      row(
        'Ноутбук Dell Vostro 5468 14" i5-7200U',
        client('premium', 'commercial', null, 'vostro-5xxx-notebook'),
      ),
      row('Ноутбук Dell Vostro 5568', client('premium', 'commercial', null, 'vostro-5xxx-notebook')),
      row('Моноблок Dell Inspiron 24 5459', client('premium', 'consumer', null, 'inspiron-aio')),
      row('Dell Inspiron 20 3052', client('premium', 'consumer', null, 'inspiron-aio')),
      row('DELL INSPIRON 24-5459', client('premium', 'consumer', null, 'inspiron-aio')),
      row('Моноблок Dell OptiPlex 7450 23.8" i5-7500', client('premium', 'commercial', null, 'optiplex-aio')),
      row('Dell OptiPlex 9030 All-in-One', client('premium', 'commercial', null, 'optiplex-aio')),
      row('Dell XPS 13 9360 i7-7500U/8GB/256GB', client('premium', 'consumer', null, 'xps')),
      row('Dell XPS 15 9560', client('premium', 'consumer', null, 'xps')),
      row('Компьютер Dell XPS 8920 MT i7-7700', client('premium', 'consumer', null, 'xps')),
      row('Dell XPS 27 7760 All-in-One Desktop', client('premium', 'consumer', null, 'xps')),
      row('Dell Venue 8 Pro 5855 64GB Win10', client('premium', 'commercial', null, 'venue-pro')),
      row('Планшет Dell Venue 10 Pro 5056 32GB', client('premium', 'commercial', null, 'venue-pro')),
      row('Dell Venue 11 Pro 7140 i5-5300Y Win 8.1 Pro', client('premium', 'commercial', null, 'venue-pro')),
      row(
        'Защищенный ноутбук Dell Latitude 12 Rugged Extreme 7214',
        client('premium', 'commercial', 'rugged', 'latitude-rugged'),
      ),
      row(
        'Dell Latitude 14 Rugged Extreme 7404',
        client('premium', 'commercial', 'rugged', 'latitude-rugged'),
      ),
      row('Dell Latitude 7414', client('premium', 'commercial', 'rugged', 'latitude-rugged-by-model')),
    ],
  },
  {
    spec: 'client — workstation: Precision workstations (tower, rack, mobile); Alienware desktops and notebooks',
    rows: [
      row(
        'Рабочая станция Dell Precision T3620 MT',
        client('workstation', 'commercial', 'precision', 'precision'),
      ),
      row('Dell Precision Tower 5810 Xeon E5-1620v4', client('workstation', 'commercial', 'precision')),
      row(
        'Мобильная рабочая станция Dell Precision 15 7510',
        client('workstation', 'commercial', 'precision'),
      ),
      row('Dell Precision M4800', client('workstation', 'commercial', 'precision')),
      row('Dell Precision 3520 15.6" i7-7700HQ', client('workstation', 'commercial', 'precision')),
      row('Alienware 15 R3', client('workstation', 'consumer', null, 'alienware')),
      row('Ноутбук Alienware 17 R4 i7-7700HQ/16GB/GTX1070', client('workstation', 'consumer')),
      row('Alienware Aurora R5', client('workstation', 'consumer')),
      row('ALIENWARE 13 R3', client('workstation', 'consumer')),
    ],
  },
  {
    spec: 'client — precedence: Rugged → Precision/Alienware → AIO → XPS → Venue Pro → the model-number rows',
    rows: [
      row('Inspiron 24 5459 AIO', client('premium', 'consumer', null, 'inspiron-aio')),
      row('Latitude 14 Rugged 5404', client('premium', 'commercial', 'rugged', 'latitude-rugged')),
      row('OptiPlex 3050 AIO', client('premium', 'commercial', null, 'optiplex-aio')),
      row('Dell Inspiron 22 3264 AIO', client('premium', 'consumer', null, 'inspiron-aio')),
      row('Моноблок Dell Inspiron 3464 23.8"', client('premium', 'consumer', null, 'inspiron-aio')),
      row('Dell OptiPlex 3240 AIO i3-6100', client('premium', 'commercial', null, 'optiplex-aio')),
      row('Dell Latitude 14 Rugged 5414', client('premium', 'commercial', 'rugged', 'latitude-rugged')),
      row('Dell Precision 7710 ноутбук', client('workstation', 'commercial', 'precision', 'precision')),
    ],
  },
  {
    spec: 'client — not in any row, so not eligible: Inspiron 3xxx desktops, Vostro 5xxx desktops, Venue tablets without "Pro"',
    rows: [
      row('Dell Inspiron 3650 MT', notEligible('consumer', 'inspiron-3xxx-desktop')),
      row('Системный блок Dell Inspiron 3268 SFF i3-7100', notEligible('consumer', 'inspiron-3xxx-desktop')),
      row('Dell Vostro 5090 MT', notEligible('commercial', 'vostro-5xxx-desktop')),
      row('Компьютер Dell Vostro 5880 Tower', notEligible('commercial', 'vostro-5xxx-desktop')),
      row(
        'Планшет Dell Venue 8 3840 16GB Android',
        notEligible('commercial', 'venue-not-pro', /without "Pro"/),
      ),
      row('Dell Venue 10 5050', notEligible('commercial', 'venue-not-pro')),
      row('Dell Venue 7 3741', notEligible('commercial', 'venue-not-pro')),
    ],
  },
  {
    spec: 'monitors — 17-20: nominal 17" to 20"',
    rows: [
      row('Монитор Dell E1715S 17"', monitor('17-20')),
      row('Монитор 19" Dell E1916H', monitor('17-20')),
      row('Dell E2016H 19.5"', monitor('17-20')),
      row('Монитор Dell IN2030M', monitor('17-20')),
    ],
  },
  {
    spec: 'monitors — 22-23: nominal 22" to 23" (the model code wins: S2216H sold as 21.5" is 22")',
    rows: [
      row('Монитор 21.5" Dell S2216H', monitor('22-23')),
      row('Dell E2216H 21.5"', monitor('22-23')),
      row('Монитор Dell SE2216H', monitor('22-23')),
      row('Монитор Dell P2317H 23"', monitor('22-23')),
      row('Dell ST2220L', monitor('22-23')),
    ],
  },
  {
    spec: 'monitors — 24-25: nominal 24" to 25"',
    rows: [
      row('Монитор Dell P2417H 23.8"', monitor('24-25')),
      row('Dell UltraSharp U2417H', monitor('24-25')),
      row('Монитор Dell SE2416H', monitor('24-25')),
      row('Монитор Dell U2515H 25"', monitor('24-25')),
      row('Dell ST2420L', monitor('24-25')),
      row('Монитор LCD Dell 23.8" P2418D', monitor('24-25')),
      row('Dell 24 Monitor - P2419H', monitor('24-25')),
      row('Монитор Alienware AW2518H', monitor('24-25')),
      row("Монитор Dell UltraSharp 23,8''", monitor('24-25')),
    ],
  },
  {
    spec: 'monitors — 27-29: nominal 27" to 29"',
    rows: [
      row('Монитор Dell UltraSharp U2715H 27"', monitor('27-29')),
      row('Dell P2717H', monitor('27-29')),
      row('Монитор Dell U2913WM 29"', monitor('27-29')),
      row('Dell S2716DG', monitor('27-29')),
    ],
  },
  {
    spec: 'monitors — 30-55: nominal 30" to 55"',
    rows: [
      row('Монитор Dell UltraSharp U3014', monitor('30-55')),
      row('Монитор Dell U3415W 34"', monitor('30-55')),
      row('Монитор Alienware AW3418DW', monitor('30-55')),
      row('Alienware AW3418DW', monitor('30-55')),
      row('Dell UltraSharp UP3216Q', monitor('30-55')),
      row('Монитор Dell P4317Q', monitor('30-55')),
      row('Монитор Dell P5524Q 55"', monitor('30-55')),
    ],
  },
  {
    spec: 'monitors — a nominal size in no row (21", 26", under 17", over 55") or another series: not eligible',
    rows: [
      row('Монитор Dell E1609W', notEligible('monitors', 'monitor-size-not-in-rows')),
      row('Монитор Dell UltraSharp 21"', notEligible('monitors', 'monitor-size-not-in-rows')),
      row('Монитор Dell UltraSharp 2609WFP 25.5"', notEligible('monitors', 'monitor-size-not-in-rows')),
      row('Монитор Dell P6524QT', notEligible('monitors', 'monitor-size-not-in-rows', /over 55/)),
      row('Монитор Dell C5517H', notEligible('monitors', 'monitor-series-not-in-program', /series/)),
      row('Монитор Dell SX2210', notEligible('monitors', 'monitor-series-not-in-program')),
      row('Монитор Dell 23.8"', notEligible('monitors', 'monitor-series-not-in-program')),
    ],
  },
  {
    spec: 'enterprise — t20-t1xx: PowerEdge T20, T1xx',
    rows: [
      row('Сервер Dell PowerEdge T20 E3-1225v3 4GB', enterprise('t20-t1xx')),
      row('Dell PowerEdge T130 E3-1220v5 8GB 1TB', enterprise('t20-t1xx')),
      row('Dell PowerEdge T110 II', enterprise('t20-t1xx')),
    ],
  },
  {
    spec: 'enterprise — 2xx-3xx: PowerEdge T/R 2xx, 3xx',
    rows: [
      row('Dell PowerEdge R230 E3-1220v5', enterprise('2xx-3xx')),
      row('Сервер Dell PowerEdge T330', enterprise('2xx-3xx')),
      row('PowerEdge R330 2x1TB', enterprise('2xx-3xx')),
    ],
  },
  {
    spec: 'enterprise — 4xx-5xx: PowerEdge T/R 4xx, 5xx; Dell Networking PowerConnect 28xx, 35xx',
    rows: [
      row('Сервер Dell PowerEdge R430 2xE5-2620v4', enterprise('4xx-5xx')),
      row('Dell PowerEdge T430', enterprise('4xx-5xx')),
      row('Dell PowerEdge R530 E5-2609v4', enterprise('4xx-5xx')),
      row('Dell PowerConnect 2824', enterprise('4xx-5xx')),
      row('Коммутатор Dell PowerConnect 2848', enterprise('4xx-5xx')),
      row('Dell PowerConnect 3548P', enterprise('4xx-5xx')),
      row('Dell Networking 2808', enterprise('4xx-5xx')),
    ],
  },
  {
    spec: 'enterprise — 6xx-9xx: PowerEdge T/R 6xx, 7xx, 8xx, 9xx; PowerVault (any)',
    rows: [
      row('Сервер Dell PowerEdge R730xd 2xE5-2620v4', enterprise('6xx-9xx')),
      row('Dell PowerEdge R630', enterprise('6xx-9xx')),
      row('Сервер Dell PE T630', enterprise('6xx-9xx')),
      row('Dell PowerEdge R930', enterprise('6xx-9xx')),
      row('Сервер Dell PowerEdge R640', enterprise('6xx-9xx')),
      row('Сервер Dell PER730', enterprise('6xx-9xx')),
      row('СХД Dell PowerVault MD1400', enterprise('6xx-9xx')),
      row('Dell PowerVault MD3420 SAS', enterprise('6xx-9xx')),
    ],
  },
  {
    spec: 'enterprise — PowerEdge neither T nor R (M, C, FX, VRTX), Dell Networking N-/X-series: unrated',
    rows: [
      row('Сервер Dell PowerEdge M630', unrated('poweredge-unrated')),
      row('Dell PowerEdge FC630', unrated('poweredge-unrated')),
      row('PowerEdge C6320', unrated('poweredge-unrated')),
      row('Dell PowerEdge VRTX', unrated('poweredge-unrated')),
      row('Коммутатор Dell Networking N2024', unrated('networking-unrated')),
      row('Dell Networking X1052P', unrated('networking-unrated')),
      row('Коммутатор Dell N1548P', unrated('networking-unrated')),
      row('Dell S4048-ON коммутатор', unrated('networking-unrated')),
      row('Dell PowerConnect 5524P', unrated('powerconnect-unrated')),
    ],
  },
  {
    spec: 'unclassified: what was recognised is said, so a manager can add a catalog mapping',
    rows: [
      row(
        'Dell Vostro 5468',
        unclassified('commercial', /Vostro 5468: form factor not stated \(notebook, desktop/),
      ),
      row('Dell Inspiron 3459', unclassified('consumer', /Inspiron 3459: form factor not stated/)),
      row('Dell Latitude E6440', unclassified('commercial', /Latitude 6440: no rule/)),
      row(
        'Монитор Dell',
        unclassified('monitors', /monitor recognised, but neither a model code .* nor a diagonal/),
      ),
      row('Dell Wyse 3040 тонкий клиент', unclassified(null, /no Dell product family recognised/)),
      row(
        'Кабель HDMI-HDMI 2м',
        unclassified(null, /no Dell product family recognised in "Кабель HDMI-HDMI 2м"/),
      ),
    ],
  },
  {
    spec: 'Russian-only descriptions',
    rows: [
      row('Моноблок Инспирон 24 5459 (белый)', client('premium', 'consumer', null, 'inspiron-aio')),
      row(
        'Защищённый ноутбук Латитьюд 14 5414',
        client('premium', 'commercial', 'rugged', 'latitude-rugged'),
      ),
    ],
  },
];
