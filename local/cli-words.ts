/**
 * The CLI's own progress and summary lines in the language of `--lang` (issue #15). English is word
 * for word what the commands printed before; Russian names in Latin letters only what the data or
 * the machine names (IDs, quarters, paths, programs, queue names, DynamoDB Local, s3rver).
 */
import type { Decimal } from 'decimal.js';
import { grouped, int, moscow, pick, type Lang } from '../shared/domain/render/format.js';
import { formatRub } from './ui/table.js';
import type { MigratedRows } from '../shared/ports/index.js';
import { closing, programRu } from '../shared/domain/render/ru.js';

export interface Written {
  partners: number;
  distributors: number;
  acceptances: number;
  trainings: number;
  catalog: number;
}

/** One kind of reference rows sent to `up`, and what became of it (api-commands.ts). */
export type SentRows =
  | { kind: string; rows: number; outcome: 'written' }
  | { kind: string; rows: number; outcome: 'checked' }
  | {
      kind: string;
      rows: number;
      outcome: 'pending';
      id: string;
      quarters: string[];
      totalRub: string | undefined;
    }
  | { kind: string; rows: number; outcome: 'other'; id: string; status: string };

export interface CliWords {
  startingStack: string;
  willRetry: (what: string, message: string) => string;
  closeFinished: (quarter: string, entries: number) => string;
  takingUp: (reports: number) => string;
  readingUploadedWhileDown: (reports: number) => string;
  imported: (w: Written) => string;
  importedThroughUp: (sent: readonly SentRows[]) => string;
  computationsRequested: (quarters: readonly string[]) => string;
  readingReports: (reports: number) => string;
  lines: (n: number) => string;
  computation: string;
  quarters: (n: number) => string;
  verifying: (quarter: string) => string;
  failedLetter: (attempts: number, queue: string, error: string) => string;
  reportsHeading: string;
  rejectedHeading: (dir: string) => string;
  linesOfHeading: (quarter: string) => string;
  payoutsHeading: (quarter: string) => string;
  shortfallsHeading: string;
  wrote: (path: string, rows: number, rejectFiles: number, held: number) => string;
  migrated: (folded: MigratedRows) => string;
  /** Column headers of the summary tables, by what the column holds. */
  headers: Record<
    | 'report'
    | 'status'
    | 'read'
    | 'extracted'
    | 'rejected'
    | 'note'
    | 'counted'
    | 'held'
    | 'heldBecause'
    | 'reason'
    | 'lines'
    | 'meaning'
    | 'partner'
    | 'name'
    | 'total',
    string
  >;
  totalRow: string;
  status: (status: string) => string;
  program: (id: string) => string;
  /** What a reject or held reason means; the reason's code stays beside it, as the rejects file writes it. */
  reasonMeaning: (code: string, english: string) => string;
  quarterCounts: (extracted: number, counted: number, held: number, byReason: string) => string;
  tierProgress: (summary: string) => string;
  noPayouts: (partner: string, quarter: string) => string;
  /** An amount in roubles, as the language writes it. */
  money: (d: Decimal) => string;
  closedQuarter: (quarter: string, at: string, by: string, sha256: string, total: string) => string;
  shownLive: string;
  shownFrozen: string;
  adjustmentsHeading: (quarter: string) => string;
  booked: (frozen: boolean, quarter: string) => string;
  verified: (r: {
    reports: number;
    lines: number;
    partners: number;
    recomputed: string;
    stored: string;
  }) => string;
  verifiedOk: string;
  differences: (n: number) => string;
  differenceHeaders: { what: string; subject: string; difference: string };
  closedVerified: (r: {
    quarter: string;
    at: string;
    by: string;
    sha256: string;
    lines: number;
    total: string;
  }) => string;
  correctionsBooked: (n: number, amount: string) => string;
  closedVerifiedOk: string;
  exportWrote: (path: string, rows: number | null, sha256: string) => string;
  closedExport: (r: {
    quarter: string;
    at: string;
    by: string;
    total: string;
    sha256: string;
    csv: boolean;
  }) => string;
  correctionsApart: (r: { quarter: string; lines: number; total: string; xlsx: boolean }) => string;
}

const EN_HEADERS: CliWords['headers'] = {
  report: 'report',
  status: 'status',
  read: 'read',
  extracted: 'extracted',
  rejected: 'rejected',
  note: 'note',
  counted: 'counted',
  held: 'held',
  heldBecause: 'held because',
  reason: 'reject reason',
  lines: 'lines',
  meaning: 'meaning',
  partner: 'partner',
  name: 'name',
  total: 'total',
};

const EN: CliWords = {
  headers: EN_HEADERS,
  totalRow: 'TOTAL',
  status: (s) => s,
  program: (id) => id,
  reasonMeaning: (_code, english) => english,
  quarterCounts: (extracted, counted, held, byReason) =>
    `extracted ${extracted} = counted ${counted} + held ${held}${byReason ? ` (${byReason})` : ''}`,
  tierProgress: (summary) => `progress: ${summary}`,
  noPayouts: (partner, quarter) => `No payouts stored for ${partner} in ${quarter}.`,
  money: formatRub,
  closedQuarter: (q, at, by, sha, total) =>
    `${q} is closed: on ${at} by ${by}; snapshot sha256 ${sha}; frozen total ${total}.`,
  shownLive: 'Shown: the live recalculation (pending corrections), not what was paid.',
  shownFrozen: 'Shown: the frozen figures. Add --pending-corrections for the live recalculation.',
  adjustmentsHeading: (q) => `Adjustments of ${q} since the close (not in the figures above):`,
  booked: (frozen, q) => (frozen ? `paid in ${q}` : `to be booked in ${q}`),
  verified: (r) =>
    `${r.reports} report(s), ${r.lines} lines re-read; ${r.partners} partner(s) recomputed: ` +
    `${r.recomputed} recomputed, ${r.stored} stored.`,
  verifiedOk:
    'Verified: the stored report counts, extracts, computation record and payouts equal the recomputation.',
  differences: (n) => `${n} difference(s):`,
  differenceHeaders: { what: 'what', subject: 'report or partner', difference: 'difference' },
  closedVerified: (r) =>
    `${r.quarter} is closed (on ${r.at} by ${r.by}); its figures are the snapshot with sha256 ${r.sha256}: ` +
    `${r.lines} line(s), ${r.total} frozen.`,
  correctionsBooked: (n, amount) =>
    `${n} correction(s) found since the close (${amount}) are booked as adjustments of the next open quarter.`,
  closedVerifiedOk:
    'Verified: the snapshot matches its checksum and the frozen total is the sum of its lines.',
  exportWrote: (path, rows, sha) =>
    `Wrote ${path}${rows === null ? '' : ` (${rows} payout lines)`}; sha256 ${sha}.`,
  closedExport: (r) =>
    `${r.quarter} is closed: on ${r.at} by ${r.by}. The file holds its frozen figures, total ${r.total}; ` +
    `snapshot sha256 ${r.sha256}${r.csv ? ' (of the first nine columns)' : ''}.`,
  correctionsApart: (r) =>
    `Corrections of ${r.quarter} since the close, not in these figures: ${r.lines} ${r.lines === 1 ? 'line' : 'lines'}, ` +
    `${r.total}, each paid in the quarter it is booked in ` +
    `(${r.xlsx ? 'the sheet "Corrections since close" and ' : ''}rebates payouts --quarter ${r.quarter} list them).`,
  startingStack: 'starting the local stack (DynamoDB Local, s3rver)…',
  willRetry: (what, message) => `  ${what}: ${message} (will retry)`,
  closeFinished: (quarter, entries) =>
    `finished the close of ${quarter}: ${entries} points ledger entr${entries === 1 ? 'y' : 'ies'} it had not written`,
  takingUp: (n) => `taking up ${n} report(s) left unfinished by the last run`,
  readingUploadedWhileDown: (n) => `reading ${n} report(s) not read yet: uploaded while the pipeline was not running, or cut off while read`,
  imported: (w) =>
    `imported ${w.partners} partners, ${w.distributors} distributors, ${w.acceptances} acceptances, ${w.trainings} trainings, ${w.catalog} catalog mappings`,
  importedThroughUp: (sent) =>
    `imported ${
      sent
        .map((s) =>
          s.outcome === 'written'
            ? `${s.rows} ${s.kind}`
            : s.outcome === 'checked'
              ? `${s.rows} ${s.kind} (checked: no closed quarter changes)`
              : s.outcome === 'pending'
                ? `${s.rows} ${s.kind} waiting for approval (${s.id}: this would change closed quarter ` +
                  `${s.quarters.join(', ')} by ${s.totalRub} RUB; another program manager or finance user must approve it)`
                : `${s.rows} ${s.kind} ${s.status} (${s.id})`,
        )
        .join(', ') || 'nothing (the folder has no rows)'
    }; "rebates up" recomputes the quarters concerned in the background`,
  computationsRequested: (qs) =>
    `requested the computation of ${qs.length} quarter(s) (${qs.join(', ')}); no report was read again`,
  readingReports: (n) => `reading ${n} report(s)`,
  lines: () => 'lines',
  computation: 'computation',
  quarters: () => 'quarters',
  verifying: (q) => `verifying ${q}`,
  failedLetter: (attempts, queue, error) => `FAILED after ${attempts} attempts (${queue}): ${error}`,
  reportsHeading: 'Reports',
  rejectedHeading: (dir) => `Rejected lines (details in ${dir}/)`,
  linesOfHeading: (q) => `Lines of ${q}`,
  payoutsHeading: (q) => `Payouts ${q} (RUB)`,
  shortfallsHeading: 'Lines that pay less than their units, and why',
  wrote: (path, rows, files, held) =>
    `Wrote ${path} (${rows} payout lines) and ${files} rejects file(s)` +
    (held ? `, which also list the ${held} line(s) the computation held.` : '.'),
  migrated: (n) => {
    const named = MIGRATED_KINDS.filter((k) => n[k]).map((k) => `${n[k]} ${n[k] === 1 ? MIGRATED_EN[k][0] : MIGRATED_EN[k][1]}`);
    return named.length
      ? `Moved the rows earlier versions stored one by one into today's form: ${named.join(', ')}.`
      : "Nothing to migrate: every partner, acceptance and training is already stored in today's form.";
  },
};

/** What `rebates migrate` folds, in the order it is said. */
const MIGRATED_KINDS = ['partners', 'acceptances', 'trainings'] as const;
const MIGRATED_EN: Record<(typeof MIGRATED_KINDS)[number], [string, string]> = {
  partners: ['partner', 'partners'],
  acceptances: ['acceptance', 'acceptances'],
  trainings: ['training', 'trainings'],
};

/** «3 отчёта», «1 строка»: a count and its noun in the form Russian gives it. */
const counted = (n: number, forms: { one: string; few: string; many: string }) =>
  `${int(n, 'ru')} ${pick(n, 'ru', { ...forms, other: forms.few })}`;

/** The reference files' kinds as `up`'s API names them (PUT /reference/<kind>). */
const KINDS_RU: Record<string, { one: string; few: string; many: string }> = {
  partners: { one: 'партнёр', few: 'партнёра', many: 'партнёров' },
  distributors: { one: 'дистрибьютор', few: 'дистрибьютора', many: 'дистрибьюторов' },
  catalog: { one: 'сопоставление каталога', few: 'сопоставления каталога', many: 'сопоставлений каталога' },
  acceptances: { one: 'принятие программы', few: 'принятия программы', many: 'принятий программы' },
  trainings: { one: 'обучение', few: 'обучения', many: 'обучений' },
};
const rowsOf = (kind: string, n: number) =>
  KINDS_RU[kind] ? counted(n, KINDS_RU[kind]) : `${int(n, 'ru')} (${kind})`;

/** The reasons of shared/pipeline/line-checks.ts (not imported: `payouts` must load no pipeline code). */
const REASONS_RU: Record<string, string> = {
  'malformed-row': 'Строка не читается как строка CSV',
  'record-too-long': 'Строка или значение в ней слишком длинные',
  'bad-encoding': 'Байты строки — не текст в кодировке файла',
  'missing-field': 'Не заполнено обязательное значение',
  'distributor-mismatch': 'Столбец дистрибьютора не совпадает с папкой загрузки',
  'unknown-partner': 'Партнёра нет в реестре партнёров',
  'bad-date': 'Дата счёта — не дата',
  'date-outside-quarter': 'Дата счёта не попадает ни в один квартал программы',
  'bad-quantity': 'Количество — не целое число единиц',
  'duplicate-line': 'Такая же строка уже есть выше в этом отчёте',
  'unclassified-product': 'Товар не сопоставлен ни одной строке ставок программы',
  'unrated-product': 'Товар участвует в программе, но в этом квартале у него нет ставки',
  'not-eligible-product': 'Товар не участвует в программе',
  'distributor-not-authorized': 'Дистрибьютор не авторизован для сегмента этого товара',
  'duplicate-claim': 'Сервисный код уже заявлен в этом квартале',
};

const STATUS_RU: Record<string, string> = {
  received: 'получен',
  processing: 'обрабатывается',
  processed: 'обработан',
  failed: 'не прочитан',
};


const RU: CliWords = {
  headers: {
    report: 'отчёт',
    status: 'состояние',
    read: 'прочитано',
    extracted: 'извлечено',
    rejected: 'отклонено',
    note: 'примечание',
    counted: 'учтено',
    held: 'отложено',
    heldBecause: 'почему отложено',
    reason: 'причина отказа',
    lines: 'строк',
    meaning: 'что это значит',
    partner: 'партнёр',
    name: 'название',
    total: 'итого',
  },
  totalRow: 'ИТОГО',
  status: (s) => STATUS_RU[s] ?? s,
  program: (id) => programRu(id),
  reasonMeaning: (code) => REASONS_RU[code] ?? '',
  quarterCounts: (extracted, counted, held, byReason) =>
    `извлечено ${int(extracted, 'ru')} = учтено ${int(counted, 'ru')} + отложено ${int(held, 'ru')}${byReason ? ` (${byReason})` : ''}`,
  tierProgress: (summary) => `ход к плану: ${summary}`,
  noPayouts: (partner, quarter) => `Выплат партнёру ${partner} за ${quarter} не сохранено.`,
  // -0.001 rounds to zero: 0,00, not -0,00, as formatRub does.
  money: (d) => `${grouped(d.toDecimalPlaces(2).isZero() ? d.abs() : d, 'ru')} руб.`,
  closedQuarter: (q, at, by, sha, total) =>
    `${q} закрыт ${moscow(at, 'ru')} пользователем ${by}; контрольная сумма снимка ${sha}; зафиксированный итог ${closing(total)}`,
  shownLive: 'Показан живой пересчёт (с ожидающими исправлениями), а не то, что выплачено.',
  shownFrozen:
    'Показаны зафиксированные суммы. Добавьте --pending-corrections, чтобы увидеть живой пересчёт.',
  adjustmentsHeading: (q) => `Корректировки ${q} после закрытия (в суммы выше не входят):`,
  booked: (frozen, q) => (frozen ? `выплачена в ${q}` : `будет проведена в ${q}`),
  verified: (r) =>
    `Перечитано: ${counted(r.reports, { one: 'отчёт', few: 'отчёта', many: 'отчётов' })}, ` +
    `${counted(r.lines, { one: 'строка', few: 'строки', many: 'строк' })}; пересчитано: ` +
    `${counted(r.partners, { one: 'партнёр', few: 'партнёра', many: 'партнёров' })}: ` +
    `пересчёт даёт ${r.recomputed}, сохранено ${closing(r.stored)}`,
  verifiedOk:
    'Проверено: сохранённые счётчики отчётов, выжимки, запись расчёта и выплаты совпадают с пересчётом.',
  differences: (n) => `Расхождений: ${int(n, 'ru')}:`,
  differenceHeaders: { what: 'что', subject: 'отчёт или партнёр', difference: 'расхождение' },
  closedVerified: (r) =>
    `${r.quarter} закрыт (${moscow(r.at, 'ru')}, пользователем ${r.by}); его суммы — снимок с контрольной суммой ${r.sha256}: ` +
    `${counted(r.lines, { one: 'строка', few: 'строки', many: 'строк' })}, зафиксировано ${closing(r.total)}`,
  correctionsBooked: (n, amount) =>
    `Исправлений после закрытия: ${int(n, 'ru')} (${amount}); они проводятся как корректировки следующего открытого квартала.`,
  closedVerifiedOk:
    'Проверено: снимок совпадает со своей контрольной суммой, а зафиксированный итог равен сумме его строк.',
  exportWrote: (path, rows, sha) =>
    `Записан ${path}${rows === null ? '' : ` (${counted(rows, { one: 'строка', few: 'строки', many: 'строк' })} выплат)`}; ` +
    `контрольная сумма ${sha}.`,
  closedExport: (r) =>
    `${r.quarter} закрыт ${moscow(r.at, 'ru')} пользователем ${r.by}. В файле его зафиксированные суммы, итог ${r.total}; ` +
    `контрольная сумма снимка ${r.sha256}${r.csv ? ' (по первым девяти столбцам)' : ''}.`,
  correctionsApart: (r) =>
    `Исправления ${r.quarter} после закрытия в эти суммы не входят: ${counted(r.lines, { one: 'строка', few: 'строки', many: 'строк' })}, ` +
    `${r.total}; каждая выплачивается в том квартале, где проведена ` +
    `(их перечисляют ${r.xlsx ? 'лист «Исправления после закрытия» и ' : ''}rebates payouts --quarter ${r.quarter}).`,
  startingStack: 'запускаем локальный стенд (DynamoDB Local, s3rver)…',
  willRetry: (what, message) => `  ${what}: ${message} (попробуем ещё раз)`,
  closeFinished: (quarter, entries) =>
    `закрытие ${quarter} завершено: дописано ${counted(entries, { one: 'запись', few: 'записи', many: 'записей' })} журнала баллов`,
  takingUp: (n) =>
    `продолжаем ${counted(n, { one: 'отчёт', few: 'отчёта', many: 'отчётов' })}, не законченных прошлым запуском`,
  readingUploadedWhileDown: (n) =>
    `читаем ${counted(n, { one: 'отчёт', few: 'отчёта', many: 'отчётов' })}, ещё не прочитанных: загруженных, пока конвейер не работал, или прерванных при чтении`,
  imported: (w) =>
    `импортировано: ${rowsOf('partners', w.partners)}, ${rowsOf('distributors', w.distributors)}, ` +
    `${rowsOf('acceptances', w.acceptances)}, ${rowsOf('trainings', w.trainings)}, ${rowsOf('catalog', w.catalog)}`,
  importedThroughUp: (sent) =>
    `импортировано: ${
      sent
        .map((s) =>
          s.outcome === 'written'
            ? rowsOf(s.kind, s.rows)
            : s.outcome === 'checked'
              ? `${rowsOf(s.kind, s.rows)} (проверено: закрытые кварталы не меняются)`
              : s.outcome === 'pending'
                ? `${rowsOf(s.kind, s.rows)} ${pick(s.rows, 'ru', { one: 'ждёт', other: 'ждут' })} утверждения (${s.id}: это изменило бы закрытый квартал ` +
                  `${s.quarters.join(', ')} на ${s.totalRub ?? '?'} руб.; утвердить должен другой менеджер программы ` +
                  'или пользователь с ролью «финансы»)'
                : `${rowsOf(s.kind, s.rows)}: ${STATUSES_RU[s.status] ?? s.status} (${s.id})`,
        )
        .join(', ') || 'ничего (в папке нет строк)'
    }; «rebates up» пересчитает затронутые кварталы в фоне`,
  computationsRequested: (qs) =>
    `запрошен расчёт ${qs.length === 1 ? 'квартала' : 'кварталов'} ${qs.join(', ')}; отчёты заново не читались`,
  readingReports: (n) => `читаем ${counted(n, { one: 'отчёт', few: 'отчёта', many: 'отчётов' })}`,
  lines: (n) => pick(n, 'ru', { one: 'строка', few: 'строки', many: 'строк', other: 'строки' }),
  computation: 'расчёт',
  quarters: (n) => pick(n, 'ru', { one: 'квартал', few: 'квартала', many: 'кварталов', other: 'квартала' }),
  verifying: (q) => `проверяем ${q}`,
  failedLetter: (attempts, queue, error) =>
    `СБОЙ после ${counted(attempts, { one: 'попытки', few: 'попыток', many: 'попыток' })} (${queue}): ${error}`,
  reportsHeading: 'Отчёты',
  rejectedHeading: (dir) => `Отклонённые строки (подробности в ${dir}/)`,
  linesOfHeading: (q) => `Строки ${q}`,
  payoutsHeading: (q) => `Выплаты ${q} (руб.)`,
  shortfallsHeading: 'Строки, которые платят меньше, чем за все их единицы, и почему',
  wrote: (path, rows, files, held) =>
    `Записан ${path} (${counted(rows, { one: 'строка', few: 'строки', many: 'строк' })} выплат) и ` +
    `${counted(files, { one: 'файл', few: 'файла', many: 'файлов' })} отклонённых строк` +
    (held
      ? `; в них также ${counted(held, { one: 'строка', few: 'строки', many: 'строк' })}, которые расчёт отложил.`
      : '.'),
  migrated: (n) => {
    const named = MIGRATED_KINDS.filter((k) => n[k]).map((k) => rowsOf(k, n[k]));
    return named.length
      ? `Записи, которые прежние версии хранили по одной, перенесены в нынешнюю форму: ${named.join(', ')}.`
      : 'Переносить нечего: все партнёры, принятия программы и обучения уже хранятся в нынешней форме.';
  },
};

const STATUSES_RU: Record<string, string> = {
  approved: 'утверждены',
  rejected: 'отклонены',
  expired: 'истекли',
  evaluating: 'ещё проверяются',
};

export const cliWords = (lang: Lang): CliWords => (lang === 'ru' ? RU : EN);
