/**
 * Reads a distributor's product description into the features the classification rules test.
 * This is code, not rules: it knows how Dell names its products and how distributors write them
 * (Russian and English words, CPU/RAM/SSD/screen noise, part numbers, any case). What a product
 * earns is decided by the rules file (classify.ts), never here.
 *
 * Readings that are ours (program-rules.md is silent):
 * - Family: the earliest family word wins, except PowerConnect over "Dell Networking" (the
 *   program names "Dell Networking PowerConnect 28xx"), and a monitor word before the family word
 *   ("Монитор Alienware …") or an Alienware monitor code/word makes it a monitor.
 *   "Dell Networking 2824" (digits only, no N/X/S letter) is the renamed PowerConnect 28xx.
 * - Form factor: an explicit keyword wins. Else Precision's letter (T3620 tower, M4800 mobile,
 *   R7910 rack); else a screen size: the size Dell puts in the name ("Inspiron 24 5459",
 *   "XPS 13 9360") or a diagonal in inches in the text ("14\"", "23.8\""), where 19 and over
 *   means an all-in-one (Dell names its AIOs by screen size) and 17.3 and under a notebook.
 *   Not applied to Venue (always a tablet) nor when the text also names a monitor (a bundle).
 * - Monitors: the nominal diagonal is the two digits after the series letters of the model code;
 *   the code wins over any size in the text. Without a code, a diagonal written in the text is
 *   rounded to the nearest inch (23.8 → 24, 21.5 → 22), and the series is known only from a word
 *   ("UltraSharp" → U, "Alienware" → AW). A code without letter suffix counts only for the
 *   UltraSharp series (U3014) or in a text with a monitor word, so "Dell E5470" is not a 54" monitor.
 *   A monitor whose size cannot be read at all keeps diagonal null (the rules leave it unclassified).
 * - Latitude Rugged: the word Rugged (or "защищённый"); models sold without it are matched by
 *   model number in the rules file.
 * - Pro (Venue 8/10/11 Pro): the word Pro, but not in "Windows 10 Pro" or "Pro Support".
 */
import type { Family, FormFactor, ProductFeatures } from './types.js';

/** Not preceded / not followed by a letter or digit (JS `\b` does not know Cyrillic). */
const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}\\p{N}])';
/** Not followed by a letter: lets family words run into a model number ("INSPIRON3567"). */
const EL = '(?!\\p{L})';
const re = (source: string, flags = ''): RegExp => new RegExp(source, `u${flags}`);

/** Model-number shapes, used to recognise a server or storage box named without its family word. */
const PE_MODEL = '(?:T|R)\\d{2,3}(?:XD|XA|XL|II|S)?';

type StatedFormFactor = Exclude<FormFactor, 'unknown'>;
type Keyword =
  | Family
  | StatedFormFactor
  | 'monitor-word'
  | 'display-word'
  | 'server-word'
  | 'storage-word'
  | 'rugged'
  | 'pro';

/**
 * Every word the parser looks for, found in one pass over the text (earliest first). Linear time:
 * no pattern looks ahead to the end of the text (a long description is cheap to make, so a pattern
 * that does would be quadratic in it); what depends on later text is judged once per text in scan().
 */
const KEYWORDS: ReadonlyArray<readonly [Keyword, string]> = [
  ['inspiron', `(?:INSPIRON|ИНСПИРОН)${EL}`],
  ['vostro', `(?:VOSTRO|ВОСТРО)${EL}`],
  ['optiplex', `(?:OPTIPLEX|ОПТИПЛЕКС)${EL}`],
  ['latitude', `(?:LATITUDE|ЛАТИТЬЮД|ЛАТИТУД)${EL}`],
  ['precision', `(?:PRECISION|ПРЕЦИЖН)${EL}`],
  ['alienware', `(?:ALIENWARE|ALIEN WARE)${EL}`],
  ['xps', `XPS${EL}`],
  ['venue', `VENUE${EL}`],
  // "PE R730" and Dell's order code "PER730".
  ['poweredge', `(?:POWER\\s?EDGE${EL}|PE(?=\\s?(?:T|R|M|C|FC|FX)\\d))`],
  ['powervault', `POWER\\s?VAULT${EL}`],
  // "Сервер Dell R730", "СХД MD3400": a family only when a model of it follows somewhere (scan()).
  ['server-word', '(?:СЕРВЕР|SERVER)'],
  ['storage-word', '(?:СХД|STORAGE)'],
  ['powerconnect', `POWER\\s?CONNECT${EL}`],
  ['networking', '(?:NETWORKING|КОММУТАТОР|SWITCH|СВИТЧ)'],
  ['monitor-word', '(?:МОНИТОР|MONITOR|ULTRASHARP)'],
  // "Display" also appears in notebook descriptions ("14\" FHD display"): a monitor only when no family is named.
  ['display-word', '(?:DISPLAY|ДИСПЛЕЙ)'],
  ['aio', `(?:AIO|ALL[\\s-]?IN[\\s-]?ONE|МОНОБЛОК\\p{L}*)${E}`],
  [
    'notebook',
    `(?:NB|NOTEBOOK|LAPTOP|ULTRABOOK|НОУТБУК\\p{L}*|УЛЬТРАБУК\\p{L}*|ТРАНСФОРМЕР\\p{L}*|2[\\s-]?(?:IN|В)[\\s-]?1|MOBILE WORKSTATION|МОБИЛЬН\\p{L}* РАБОЧ\\p{L}* СТАНЦИ\\p{L}*|ПОРТАТИВН\\p{L}*)${E}`,
  ],
  ['tablet', `(?:TABLET|ПЛАНШЕТ\\p{L}*)${E}`],
  [
    'desktop',
    `(?:DT|DESKTOP|ДЕСКТОП|MT|MINI[\\s-]?TOWER|TOWER|SFF|USFF|MFF|MICRO(?![\\s-]?(?:SD|USB|HDMI|SIM))|НАСТОЛЬН\\p{L}*|СИСТЕМН\\p{L}* БЛОК|СИСТ\\.?\\s?БЛОК|ПК|PC|КОМПЬЮТЕР|AURORA|AREA[\\s-]?51|ALPHA)${E}`,
  ],
  ['rugged', `(?:RUGGED|ЗАЩИЩЕНН\\p{L}*)${E}`],
  ['pro', `PRO${EL}(?!\\s?SUPPORT)`],
];
const KEYWORD = re(`${B}(?:${KEYWORDS.map(([, source]) => `(${source})`).join('|')})`, 'g');
/** When several form-factor words appear: "all-in-one desktop" is an AIO, "2-in-1 tablet" a notebook. */
const FORM_FACTOR_RANK: Readonly<Record<StatedFormFactor, number>> = {
  aio: 0,
  notebook: 1,
  tablet: 2,
  desktop: 3,
};

/** Series letters, two digits of nominal diagonal, two digits, optional letter suffix: P2417H, AW3418DW, U3014. */
const MONITOR_CODE = re(`${B}(IN|SE|ST|AW|UP|UZ|SX|[SEPUCDG])(\\d{2})\\d{2}([A-Z]{1,3})?${E}`, 'g');
const WINDOWS_BEFORE = re('(?:WIN|WINDOWS)\\s?(?:\\d{1,2}(?:\\.\\d)?)?\\s?$');

/** A diagonal in inches written in the text: 14", 15,6'', 23.8 in, 27-inch, 24 дюйма. */
const INCHES = re(`${B}(\\d{1,2}(?:[.,]\\d{1,2})?)\\s?(?:"|-?INCH(?:ES)?${E}|IN${E}|ДЮЙМ\\p{L}*)`);
/** "Dell 27 Monitor", "Монитор 24", "Alienware 34", "UltraSharp 27": a bare size next to a monitor word. */
const BARE_MONITOR_SIZE = re(
  `${B}(?:(?:DELL|ALIENWARE|ULTRASHARP|МОНИТОР|MONITOR)\\s(\\d{2})(?![\\p{L}\\p{N}.,"])|(\\d{2})\\s(?:МОНИТОР|MONITOR))`,
);
/** The size Dell puts right after the family word: "Inspiron 24 5459", "XPS 13 9360", "Alienware 15 R3". */
const SIZE_PREFIX = re('^\\s?(\\d{1,2})(?![\\p{N}.,])');

/** A 4-digit client model; not a CPU (i5-7300U, i5 7200U), size, resolution, memory or part number tail. */
const clientModel = (prefixLetters: string): RegExp =>
  re(
    `(?<![\\p{L}\\p{N}\\-./,])(?<!(?:GTX|GT|HD|RX|MX|QUADRO|RADEON|GEFORCE)\\s?)` +
      `(?:([${prefixLetters}])(?=\\d))?(\\d{4})` +
      `(?![.,]\\d|\\s?[X×]\\s?\\d|\\s?(?:GB|TB|MB|MHZ|GHZ|ГБ|ТБ|МБ|МГЦ|ГГЦ|MAH|W|ВТ|RPM)${EL})` +
      `(?=$|[^\\p{L}\\p{N}]|(?:SFF|USFF|MT|DT|AIO|NB)${EL})`,
  );
const CLIENT_MODEL = new RegExp(clientModel(''), 'gu');
const LATITUDE_MODEL = clientModel('E');
const PRECISION_MODEL = clientModel('TMR');
const POWEREDGE_MODEL = re(
  `(?<![\\p{L}\\p{N}\\-])(?:(VRTX)|(FC|FD|FX|T|R|M|C)\\s?(\\d{1,4})(?:XD|XA|XL|XS|II|S|E)?)${E}`,
);
const POWERVAULT_MODEL = re(`(?<![\\p{L}\\p{N}\\-])(MD|ME|NX|TL|ML)\\s?(\\d{1,4})`);
const SWITCH_MODEL = re(`(?<![\\p{L}\\p{N}\\-])(?:([NXSZ])(\\d{4})[A-Z]{0,2}|(\\d{4})[PF]?)${E}`);

const CLIENT_FAMILIES: ReadonlySet<Family> = new Set([
  'inspiron',
  'vostro',
  'optiplex',
  'latitude',
  'precision',
  'alienware',
  'xps',
  'venue',
]);

/** Cyrillic letters that look Latin, as typed into model numbers by Russian keyboards (Е2216Н). */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
};
/** Whole runs of letters and digits, one match each: a digit is looked for inside (linear time). */
const LATIN_CYRILLIC_RUN = re('[0-9A-ZА-Я]+', 'g');
const CYRILLIC_LOOKALIKE = re('[АВЕКМНОРСТХ]', 'g');
/** "Inspiron 24-5459": a size joined to the model, unlike a part-number tail (3568-1234) or a CPU (i5-7300U). */
const SIZE_DASH_MODEL = re('(?<![\\p{L}\\p{N}\\-./,])(\\d{2})-(\\d{4})(?![\\p{L}\\p{N}])', 'g');

function normalise(text: string): string {
  return text
    .toUpperCase()
    .replace(/Ё/g, 'Е')
    .replace(/''|[”“″„]/g, '"')
    .replace(/[«»]/g, ' ')
    .replace(LATIN_CYRILLIC_RUN, (tok) =>
      /\d/.test(tok) ? tok.replace(CYRILLIC_LOOKALIKE, (c) => HOMOGLYPHS[c] ?? c) : tok,
    )
    .replace(SIZE_DASH_MODEL, '$1 $2')
    .replace(/\s+/g, ' ')
    .trim();
}

interface FamilyHit {
  family: Family;
  index: number;
  end: number;
}

interface Scan {
  /** The earliest family word, except PowerConnect over "Dell Networking". */
  family: FamilyHit | null;
  formFactor: StatedFormFactor | null;
  monitorWordAt: number | null;
  display: boolean;
  rugged: boolean;
  pro: boolean;
}

/** Model shapes that make "server" and "storage" family words when they come after them. */
const PE_MODEL_WORD = re(`${B}${PE_MODEL}${E}`, 'g');
const PV_MODEL_WORD = re(`${B}M[DE]\\d{4}`, 'g');

/** Where the last match of a global pattern starts, or -1. */
function lastMatchAt(t: string, pattern: RegExp): number {
  let at = -1;
  for (const m of t.matchAll(pattern)) at = m.index;
  return at;
}

function scan(t: string): Scan {
  let lastPeModel: number | undefined;
  let lastPvModel: number | undefined;
  const out: Scan = {
    family: null,
    formFactor: null,
    monitorWordAt: null,
    display: false,
    rugged: false,
    pro: false,
  };
  for (const m of t.matchAll(KEYWORD)) {
    let g = 1;
    while (m[g] === undefined) g++;
    let kind = KEYWORDS[g - 1]![0];
    const end = m.index + m[0].length;
    if (kind === 'server-word' || kind === 'storage-word') {
      const last =
        kind === 'server-word'
          ? (lastPeModel ??= lastMatchAt(t, PE_MODEL_WORD))
          : (lastPvModel ??= lastMatchAt(t, PV_MODEL_WORD));
      if (last < end) continue;
      kind = kind === 'server-word' ? 'poweredge' : 'powervault';
    }
    switch (kind) {
      case 'monitor-word':
        out.monitorWordAt ??= m.index;
        break;
      case 'display-word':
        out.display = true;
        break;
      case 'rugged':
        out.rugged = true;
        break;
      case 'pro':
        if (!WINDOWS_BEFORE.test(t.slice(Math.max(0, m.index - 14), m.index))) out.pro = true;
        break;
      case 'aio':
      case 'notebook':
      case 'tablet':
      case 'desktop':
        if (out.formFactor === null || FORM_FACTOR_RANK[kind] < FORM_FACTOR_RANK[out.formFactor])
          out.formFactor = kind;
        break;
      default:
        if (!out.family || (kind === 'powerconnect' && out.family.family === 'networking'))
          out.family = { family: kind, index: m.index, end };
    }
  }
  return out;
}

interface MonitorCode {
  code: string;
  series: string;
  diagonal: number;
  strong: boolean;
}

function findMonitorCode(t: string, nearMonitorWord: boolean): MonitorCode | null {
  for (const m of t.matchAll(MONITOR_CODE)) {
    const series = m[1]!;
    const strong = m[3] !== undefined || series === 'U' || series === 'UP';
    if (strong || nearMonitorWord) return { code: m[0], series, diagonal: Number(m[2]), strong };
  }
  return null;
}

function inchesInText(t: string): number | null {
  const m = INCHES.exec(t);
  if (!m) return null;
  const v = Number(m[1]!.replace(',', '.'));
  return v >= 7 && v <= 100 ? v : null;
}

function sizeFormFactor(size: number | null): FormFactor | null {
  if (size === null || size < 10) return null;
  if (size >= 19) return 'aio';
  if (size <= 17.3) return 'notebook';
  return null;
}

/** The model token of a non-monitor family, read in the text after the family word. */
function modelAfter(family: Family, rest: string): { model: string | null; letter: string | null } {
  const none = { model: null, letter: null };
  switch (family) {
    case 'alienware':
      // Alienware names carry no model number ("15 R3", "Aurora R5"); any 4 digits are CPU/GPU noise.
      return none;
    case 'latitude':
    case 'precision': {
      const m = (family === 'latitude' ? LATITUDE_MODEL : PRECISION_MODEL).exec(rest);
      return m ? { model: m[2]!, letter: m[1] ?? null } : none;
    }
    case 'poweredge': {
      const m = POWEREDGE_MODEL.exec(rest);
      return m ? { model: m[1] ?? `${m[2]}${m[3]}`, letter: null } : none;
    }
    case 'powervault': {
      const m = POWERVAULT_MODEL.exec(rest);
      return m ? { model: `${m[1]}${m[2]}`, letter: null } : none;
    }
    case 'powerconnect':
    case 'networking': {
      const m = SWITCH_MODEL.exec(rest);
      return m ? { model: m[3] ?? `${m[1]}${m[2]}`, letter: null } : none;
    }
    default: {
      // "Inspiron 15 5000 (5567)": Dell's series name comes first; the real model, if any, follows.
      let series: string | null = null;
      for (const m of rest.matchAll(CLIENT_MODEL)) {
        if (!m[2]!.endsWith('000')) return { model: m[2]!, letter: null };
        series ??= m[2]!;
      }
      return { model: series, letter: null };
    }
  }
}

function monitorFeatures(
  t: string,
  code: MonitorCode | null,
  rugged: boolean,
  pro: boolean,
): ProductFeatures {
  if (code)
    return {
      family: 'monitor',
      model: code.code,
      formFactor: 'unknown',
      rugged,
      pro,
      monitorSeries: code.series,
      diagonal: code.diagonal,
      diagonalSource: 'model-code',
    };
  const bare = BARE_MONITOR_SIZE.exec(t);
  const inches = inchesInText(t) ?? (bare ? Number(bare[1] ?? bare[2]) : null);
  const series = /ULTRASHARP/.test(t) ? 'U' : /ALIENWARE/.test(t) ? 'AW' : null;
  return {
    family: 'monitor',
    model: null,
    formFactor: 'unknown',
    rugged,
    pro,
    monitorSeries: series,
    diagonal: inches === null ? null : Math.round(inches),
    diagonalSource: inches === null ? null : 'description',
  };
}

function parse(text: string): ProductFeatures {
  const t = normalise(text);
  const { family: hit, formFactor: keyword, monitorWordAt, display, rugged, pro } = scan(t);
  const code =
    hit && hit.family !== 'alienware' && monitorWordAt === null
      ? null
      : findMonitorCode(t, monitorWordAt !== null);

  const isMonitor = hit
    ? (monitorWordAt !== null && monitorWordAt < hit.index) ||
      (hit.family === 'alienware' && (monitorWordAt !== null || code?.series === 'AW'))
    : monitorWordAt !== null || display || code?.strong === true;
  if (isMonitor) return monitorFeatures(t, code, rugged, pro);
  if (!hit)
    return {
      family: null,
      model: null,
      formFactor: keyword ?? 'unknown',
      rugged,
      pro,
      monitorSeries: null,
      diagonal: null,
      diagonalSource: null,
    };

  const rest = t.slice(hit.end);
  let family = hit.family;
  // The family word may also come last ("Dell S4048-ON коммутатор").
  let { model, letter } = modelAfter(family, rest);
  if (model === null) ({ model, letter } = modelAfter(family, t));
  if (family === 'networking' && model !== null && /^\d/.test(model)) family = 'powerconnect';

  let formFactor: FormFactor | null = keyword;
  if (!formFactor && family === 'precision' && letter) formFactor = letter === 'M' ? 'notebook' : 'desktop';
  if (!formFactor && family === 'venue') formFactor = 'tablet';
  if (!formFactor && CLIENT_FAMILIES.has(family) && monitorWordAt === null) {
    const prefix = SIZE_PREFIX.exec(rest);
    formFactor = sizeFormFactor(prefix ? Number(prefix[1]) : null) ?? sizeFormFactor(inchesInText(t));
  }
  return {
    family,
    model,
    formFactor: formFactor ?? 'unknown',
    rugged,
    pro,
    monitorSeries: null,
    diagonal: null,
    diagonalSource: null,
  };
}

const MEMO_LIMIT = 20_000;
const memo = new Map<string, ProductFeatures>();

/**
 * Features of one product as a distributor described it. The SKU is read too when the
 * description alone names no model (some distributors put the model code in the SKU column).
 * Results are memoised (bounded) and frozen: report files repeat the same descriptions.
 */
export function describeProduct(description: string, sku?: string): ProductFeatures {
  const key = sku ? `${description}\u0000${sku}` : description;
  const cached = memo.get(key);
  if (cached) return cached;
  let features = parse(description);
  if (sku && features.model === null && features.family !== 'alienware') {
    const withSku = parse(`${description} / ${sku}`);
    if (withSku.model !== null) features = withSku;
  }
  if (memo.size >= MEMO_LIMIT) memo.clear();
  Object.freeze(features);
  memo.set(key, features);
  return features;
}
