/**
 * Error messages in Russian, from an error's key (its code when one code has one sentence) and the
 * params it was thrown with; the English message is the one thrown. Latin letters appear only in
 * what the data or the command line names: IDs, quarters, paths, options, field names.
 */
import type { AppError, ErrorParams, FieldIssue } from '../../errors.js';
import { grouped, int, moscow, pick } from './format.js';
import { RARE_SENTENCES_RU } from './errors-ru-rare.js';
import { previewIssueText, type PreviewIssue } from './preview-issues.js';
import { cellProblemText, fileIssueText, lineIssueText, type FileIssue, type LineIssue } from './row-issues.js';

export const INTERNAL_RU = 'На нашей стороне произошла ошибка; она записана в журнал.';

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const list = (v: unknown, none = 'нет'): string => {
  const items = Array.isArray(v) ? v.map(String) : v === undefined || v === '' ? [] : [String(v)];
  return items.length ? items.join(', ') : none;
};
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

const ROLES: Record<string, string> = {
  finance: 'финансы',
  program: 'менеджер программы',
  manager: 'менеджер по партнёрам',
  distributor: 'дистрибьютор',
};
const role = (r: unknown): string => `«${ROLES[str(r)] ?? str(r)}»`;

const VERBS: Record<string, string> = { approve: 'утвердить', reject: 'отклонить' };
const STATUSES: Record<string, string> = { approved: 'утверждён', rejected: 'отклонён', expired: 'истёк' };

/** What parseWith was checking (its `what`), said as the first sentence of the refusal. */
const CHECKED: Record<string, string> = {
  'request body': 'В теле запроса есть ошибки.',
  query: 'В параметрах адреса есть ошибки.',
  'quarter in the path': 'Квартал в адресе указан неверно.',
  'partner ID in the path': 'ID партнёра в адресе указан неверно.',
  'approval ID in the path': 'ID запроса на утверждение в адресе указан неверно.',
};

const TYPES: Record<string, string> = {
  string: 'строка',
  number: 'число',
  int: 'целое число',
  boolean: 'логическое значение',
  object: 'объект',
  array: 'список',
  date: 'дата',
};
const FORMATS: Record<string, string> = {
  email: 'адрес электронной почты',
  datetime: 'дата и время с часовым поясом, например 2016-04-01T00:00:00+03:00',
  date: 'дата вида 2016-04-01',
  time: 'время вида 10:00',
  uuid: 'UUID',
  url: 'адрес',
};

/** Genitive after "не длиннее"/"не короче": 1 символа, 5 символов. */
const chars = (n: number): string => `${int(n, 'ru')} ${pick(n, 'ru', { one: 'символа', other: 'символов' })}`;
const items = (n: number): string =>
  `${int(n, 'ru')} ${pick(n, 'ru', { one: 'элемента', other: 'элементов' })}`;
const points = (n: number): string =>
  `${int(n, 'ru')} ${pick(n, 'ru', { one: 'балл', few: 'балла', many: 'баллов', other: 'балла' })}`;

/** One field's problem as a Russian sentence, the field named by its path. */
export function fieldIssueRu(i: FieldIssue): string {
  const field = i.path ? `Поле «${i.path}»` : 'Значение';
  const limit = num(i.limit);
  switch (i.kind) {
    case 'required':
      return `${field} обязательно.`;
    case 'type':
      return `${field}: ожидается ${TYPES[str(i.expected)] ?? str(i.expected)}.`;
    case 'enum':
      return `${field}: допустимые значения — ${list(i.values)}.`;
    case 'too-long':
      return `${field}: не длиннее ${chars(limit)}.`;
    case 'too-short':
      return limit <= 1 ? `${field} не должно быть пустым.` : `${field}: не короче ${chars(limit)}.`;
    case 'too-big':
      return i.expected === 'array' || i.expected === 'set'
        ? `${field}: не больше ${items(limit)}.`
        : `${field}: не больше ${str(i.limit)}.`;
    case 'too-small':
      if (i.expected === 'array' || i.expected === 'set')
        return limit <= 1 ? `${field}: список не должен быть пустым.` : `${field}: не меньше ${items(limit)}.`;
      return `${field}: не меньше ${str(i.limit)}.`;
    case 'format':
      return FORMATS[str(i.format)]
        ? `${field}: ожидается ${FORMATS[str(i.format)]}.`
        : `${field} записано не в том виде.`;
    case 'unknown-keys':
      return i.path ? `${field}: лишние поля ${list(i.keys)}.` : `Лишние поля: ${list(i.keys)}.`;
    case 'problem':
      return i.problem ? `${field}: ${cellProblemText(i.problem, 'ru')}.` : `${field}: значение не подходит.`;
    default:
      return i.path ? `${field}: значение не подходит.` : 'Значение не подходит.';
  }
}

type Sentence = (p: ErrorParams) => string;

/** A preview's thresholds, rates or extra units that cannot be applied (none: the English list stays). */
/** The reference rows kept in bucket records (reference-buckets.ts), by their kind's English name. */
const BUCKET_ROWS_RU: Record<string, { one: string; few: string; many: string }> = {
  partners: { one: 'партнёр', few: 'партнёра', many: 'партнёров' },
  acceptances: { one: 'принятие программы', few: 'принятия программы', many: 'принятий программы' },
  trainings: { one: 'обучение', few: 'обучения', many: 'обучений' },
  rows: { one: 'строка', few: 'строки', many: 'строк' },
};

const previewIssuesRu = (p: ErrorParams): string[] | undefined =>
  Array.isArray(p.previewIssues) ? (p.previewIssues as PreviewIssue[]).map((i) => previewIssueText(i, 'ru')) : undefined;

/** The IDs sent twice in one request, one sentence each. */
const repeatedRu = (p: ErrorParams): string[] =>
  (Array.isArray(p.ids) ? p.ids.map(String) : []).map(
    (id) => `${p.what === 'distributor' ? 'Дистрибьютор' : 'Партнёр'} ${id} указан дважды`,
  );

/** Why an upload's file name cannot be used, by problem code (functions/api/upload-name.ts). */
function fileNameProblem(code: string, p: ErrorParams): string {
  switch (code) {
    case 'empty':
      return 'имя пустое';
    case 'control':
      return 'в нём есть управляющие символы';
    case 'slash':
      return 'в нём есть косая черта; укажите только имя файла, без папок';
    case 'dots':
      return 'в нём есть «..»';
    case 'too-long':
      return `оно слишком длинное (${str(p.bytes)} байт; не больше ${str(p.max)}, это около ${num(p.max) / 2} кириллических или ${str(p.max)} латинских букв)`;
    case 'extension':
      return 'отчёт должен быть файлом .csv или .csv.gz (сначала сохраните таблицу как CSV)';
    case 'no-name':
      return 'перед .csv нет имени';
    default:
      return code;
  }
}

/** Sentences by key; an error whose key is not here is said by its code (CODES below). */
const SENTENCES: Record<string, Sentence> = {
  // ---- requests
  'invalid-input': (p) => CHECKED[str(p.what)] ?? 'В запросе есть ошибки.',
  'body-not-json-type': () => 'Отправьте тело запроса в формате JSON (content-type: application/json).',
  'body-not-json': () => 'Тело запроса — не правильный JSON.',
  'path-unknown': (p) => `По адресу ${str(p.path)} ничего нет.`,
  'method-not-allowed': (p) => `${str(p.path)} принимает ${list(p.allow)}, а не ${str(p.method)}.`,
  'cursor-invalid': () => 'Этот курсор выдан не этим списком; начните снова с первой страницы.',
  'audit-offset': () =>
    'Журнал аудита читается постранично: вместо offset передайте nextCursor предыдущей страницы.',
  'range-reversed': (p) =>
    `Период начинается (${str(p.from)}) позже, чем заканчивается (${p.to ? str(p.to) : 'сегодня'}).`,
  'payload-too-large': (p) => `Тело запроса больше ${str(p.mb)} МБ.`,
  'bad-request-target': () => 'Путь запроса не читается; отправьте путь, который начинается с /.',
  'rows-content-type': (p) =>
    `Отправьте ${str(p.file)} как text/csv или строки в JSON; пришёл content-type ${str(p.type)}.`,
  'rows-bad': (p) =>
    `В ${str(p.file)} ${int(num(p.count), 'ru')} ${pick(num(p.count), 'ru', { one: 'неверная строка', few: 'неверные строки', other: 'неверных строк' })}; ничего не импортировано.`,
  'rows-none': (p) => `В ${str(p.file)} нет строк.`,
  'reference-problems': (p) =>
    `В справочных данных ${int(num(p.count), 'ru')} ${pick(num(p.count), 'ru', { one: 'ошибка', few: 'ошибки', other: 'ошибок' })}, ` +
    'поэтому ничего не импортировано: исправьте эти строки или запустите команду снова с --skip-invalid, чтобы импортировать остальные.',
  'rows-repeated': (p) =>
    `${repeatedRu(p).join('; ')}; отправьте каждого по одной строке. Ничего не записано.`,
  'rows-too-many': (p) => `В ${str(p.file)} больше ${int(num(p.max), 'ru')} строк; разделите его на части.`,
  'partners-unknown': (p) =>
    `Этих партнёров нет в реестре: ${list(p.partners)}. Сначала импортируйте партнёров; ничего не записано.`,
  'partners-unknown-territory': (p) =>
    `Этих партнёров нет на вашей территории (${list(p.regions)}): ${list(p.partners)}. Сначала импортируйте партнёров; ничего не записано.`,
  'values-too-long': (p) => `Слишком длинных для хранения значений: ${int(num(p.count), 'ru')}; ничего не записано.`,
  'change-too-large': () =>
    'Один из кварталов закрыт, поэтому изменение сначала сверяется с его суммами и может потребовать утверждения, ' +
    'но оно слишком велико, чтобы ждать; ничего не записано. Отправьте его частями.',
  'import-stopped': (p) =>
    `Импорт прервался на середине: база данных отказала в записи (${str(p.what)}), поэтому часть из ` +
    `${int(num(p.rows), 'ru')} строк могла сохраниться, а часть нет` +
    `${Array.isArray(p.done) && p.done.length ? ` (${list(p.done)} сохранены целиком)` : ''}. ` +
    'Отменять ничего не нужно: отправьте те же строки ещё раз, это безопасно.',
  'reference-bucket-full': (p) => {
    const rows = BUCKET_ROWS_RU[str(p.kind)] ?? BUCKET_ROWS_RU.rows!;
    const count = num(p.count);
    return (
      `Слишком много записей для хранения: одна из ${int(num(p.buckets), 'ru')} ячеек базы данных должна была бы вместить ` +
      `${int(count, 'ru')} ${pick(count, 'ru', { ...rows, other: rows.few })} (${int(num(p.kb), 'ru')} КБ), ` +
      `а вмещает не больше ${int(num(p.limitKb), 'ru')} КБ. ` +
      (p.stored ? 'Другие строки этого импорта могли сохраниться, эти — нет. ' : 'Ничего не записано. ') +
      'Повторная отправка не поможет: сообщите администратору сервиса, что базе данных нужно больше ячеек (это перенос данных).'
    );
  },
  'reference-bucket-busy': (p) =>
    `Другие запросы всё время меняли те же записи (${int(num(p.attempts), 'ru')} попыток подряд), поэтому эти строки не записаны; ` +
    'отправьте их ещё раз чуть позже, это безопасно.',
  'rules-fields-invalid': () => 'Правила программы заданы неверно.',
  'plans-unchangeable': () => 'Некоторые пороги плана нельзя так изменить.',
  'extras-no-rate-row': () => 'Некоторые добавленные единицы указывают строку ставок, которой нет в этом квартале.',
  'rates-unknown': () => 'Некоторые ставки не совпадают ни с одной ставкой этого квартала.',
  // ---- a partner manager's what-if
  'preview-rules-not-yours': (p) => {
    const named = [
      ...(Array.isArray(p.rates) && p.rates.length ? [`ставки ${list(p.rates)}`] : []),
      ...(Array.isArray(p.plans) && p.plans.length ? [`пороги планов ${list(p.plans)}`] : []),
    ];
    return (
      'Менеджер по партнёрам может пробовать дополнительные единицы, обучение и подтверждение участия партнёров своей территории; ' +
      `ставки и пороги планов устанавливает менеджер программы. Уберите: ${named.join('; ')}.`
    );
  },
  'preview-partners-unknown-territory': (p) => `Этих партнёров нет на вашей территории (${list(p.regions)}): ${list(p.partners)}.`,
  'mapping-no-rate-row': () =>
    'Некоторые сопоставления указывают строку ставок, которой нет ни в одном действующем квартале; ничего не записано.',
  'file-name-unusable': (p) =>
    `Имя файла «${str(p.name)}» использовать нельзя: ${(Array.isArray(p.problems) ? p.problems : []).map((c) => fileNameProblem(String(c), p)).join('; ')}.`,
  // ---- who may see what
  'quarter-unknown': (p) => `Квартала ${str(p.quarter)} нет. Кварталы с правилами: ${list(p.known)}.`,
  'catalog-quarter-unknown': (p) => `Квартала ${str(p.quarter)} с каталогом наград нет.`,
  'partner-unknown': (p) => `Партнёра ${str(p.partner)} нет в реестре.`,
  'partner-unknown-territory': (p) => `Партнёра ${str(p.partner)} нет на вашей территории (${list(p.regions)}).`,
  'partner-outside': (p) => `Партнёр ${str(p.partner)} не на вашей территории (${list(p.regions)}).`,
  'region-outside': (p) => `Регион ${str(p.region)} не на вашей территории (${list(p.regions)}).`,
  'distributor-unknown': (p) => `Дистрибьютора ${str(p.distributor)} нет в реестре.`,
  'distributor-reports-only': (p) => `Вам доступны только отчёты дистрибьютора ${str(p.distributor)}.`,
  'report-unknown': (p) => `Отчёта ${str(p.report)} нет.`,
  'role-needed': (p) =>
    `Для этого нужна роль ${(Array.isArray(p.roles) ? p.roles : []).map(role).join(' или ')}; вы вошли с ролью ${role(p.role)}.`,
  'no-role': (p) =>
    `Ваша учётная запись не входит ни в одну группу ролей; попросите администратора добавить её в одну из групп: ${list(p.roles)}.`,
  'several-roles': (p) =>
    `Ваша учётная запись входит в несколько групп ролей (${list(p.roles)}), а должна входить ровно в одну.`,
  'manager-no-regions': () =>
    'В вашей учётной записи менеджера по партнёрам не указаны регионы (custom:regions); попросите администратора задать вашу территорию.',
  'distributor-no-id': () =>
    'В вашей учётной записи дистрибьютора не указан дистрибьютор (custom:distributor); попросите администратора его задать.',
  // ---- sign-in
  'sign-in': () =>
    'Войдите: отправьте заголовок «Authorization: Bearer <токен>» (токен выдаёт команда «rebates token»).',
  'token-no-sub': () => 'В токене входа нет ID пользователя (sub); войдите снова.',
  'token-unreadable': (p) =>
    `${p.part === 'header' ? 'Заголовок' : 'Содержимое'} токена не читается; получите новый токен командой «rebates token».`,
  'token-not-jwt': () => 'Токен доступа — не JWT; получите его командой «rebates token».',
  'token-algorithm': () => 'Токен подписан не алгоритмом HS256, а локальный сервер принимает только его.',
  'token-signature': () =>
    'Подпись токена не подходит к этой папке состояния; получите новый токен командой «rebates token».',
  'token-issuer': (p) => `Токен выпущен не ${str(p.issuer)}.`,
  'token-expired': () => 'Срок действия токена истёк; получите новый командой «rebates token».',
  // ---- quarters, closes and approvals
  'quarter-closed': (p) =>
    `Квартал ${str(p.quarter)} уже закрыт${p.closedAt ? ` ${moscow(str(p.closedAt), 'ru')}` : ''}` +
    `${p.closedBy ? ` пользователем ${str(p.closedBy)}` : ''}; его суммы зафиксированы.`,
  'accrual-closed': (p) =>
    `Квартал ${str(p.quarter)} закрыт: его выплаты окончательны, начислять нечего. Смотрите его выплаты или выгрузку.`,
  'closing-time-invalid': (p) => `Время закрытия ${str(p.at)} — не правильный момент времени.`,
  'export-format': (p) => `Неизвестный формат выгрузки «${str(p.format)}»: используйте csv или xlsx.`,
  'approval-unknown': (p) => `Запроса на утверждение ${str(p.id)} нет.`,
  'approval-evaluating': () =>
    'Это изменение ещё проверяется: его влияние на закрытые кварталы пока неизвестно. Попробуйте чуть позже; ничего не изменено.',
  'approval-applied': (p) =>
    `Это изменение не затронуло закрытых кварталов, поэтому сохранено без утверждения${p.at ? ` ${moscow(str(p.at), 'ru')}` : ''}; ничего не изменено.`,
  'approval-decided': (p) =>
    `Этот запрос уже ${STATUSES[str(p.status)] ?? 'решён'}${p.by ? ` пользователем ${str(p.by)}` : ''}` +
    `${p.at ? ` ${moscow(str(p.at), 'ru')}` : ''}; ничего не изменено.`,
  'finance-only': (p) => `Только пользователь с ролью «финансы» может ${VERBS[str(p.verb)] ?? str(p.verb)} закрытие квартала.`,
  'program-or-finance-only': (p) =>
    `Только менеджер программы или пользователь с ролью «финансы» может ${VERBS[str(p.verb)] ?? str(p.verb)} изменение закрытого квартала.`,
  'self-approval': () =>
    'Вы сами запросили это, поэтому не можете утвердить: утвердить должен другой пользователь (правило двух лиц).',
  'approval-stale': (p) =>
    `Суммы ${str(p.quarter)} изменились после запроса на закрытие (итог был ${grouped(str(p.was) || '0', 'ru')} руб., ` +
    `теперь ${grouped(str(p.now) || '0', 'ru')} руб.), поэтому запрос нельзя утвердить. Запросите закрытие снова.`,
  // ---- points
  'reward-unknown': (p) =>
    `В каталоге ${str(p.quarter)} нет награды «${str(p.reward)}». Награды: ${list(p.rewards)}.`,
  'reward-on-request': (p) =>
    `У награды «${str(p.rewardRu ?? p.reward)}» нет цены в баллах: её предоставляют по запросу через менеджера программы.`,
  'insufficient-points': (p) =>
    `«${str(p.rewardRu ?? p.reward)}» стоит ${points(num(p.price))}, а на балансе ${points(num(p.balance))} ` +
    `(не хватает ${points(num(p.price) - num(p.balance))}).`,
  'request-id-missing': () => 'Для списания баллов нужен ID запроса.',
  'request-id-used': (p) =>
    `Запрос ${str(p.request)} уже использован для награды ${str(p.used)}; для ${str(p.reward)} укажите новый ID запроса.`,
  'redemption-conflict': (p) =>
    `Сейчас записываются другие списания баллов партнёра ${str(p.partner)}; попробуйте ещё раз.`,
  // ---- report files
  'header-missing-fields': (p) =>
    `В заголовке нет столбца для: ${list(p.missing)}. Найденные столбцы: ${list(p.found)}.`,
  // ---- command line
  'no-command': () => 'Укажите команду, например «rebates run --help».',
  'missing-path': (p) =>
    `${p.kind === 'file' ? 'Файла' : 'Папки'} ${str(p.path)} нет; проверьте путь, указанный в ${str(p.what)}.`,
  'path-is-file': (p) => `${str(p.path)} — это файл, а ${str(p.what)} ожидает папку.`,
  'path-is-folder': (p) => `${str(p.path)} — это папка, а ${str(p.what)} ожидает файл.`,
  'quarter-format': (p) => `«${str(p.quarter)}» — не квартал; укажите его так: --quarter 2016-Q1.`,
  'quarter-needed': () => 'Укажите квартал так: --quarter 2016-Q1.',
  'rules-missing': (p) =>
    `Для ${str(p.quarter)} нет правил (кварталы с правилами: ${list(p.known)}); добавьте samples/rules/${str(p.quarter)}.json или укажите --rules ФАЙЛ.`,
  'up-serving': (p) =>
    `«rebates up» работает с папкой ${str(p.state)}, а команде ${str(p.command)} папка состояния нужна целиком: ` +
    `остановите «up» (Ctrl-C) и запустите ${str(p.command)} снова.`,
  'state-locked': (p) =>
    `Папка состояния ${str(p.state)} занята другим процессом rebates (pid ${str(p.pid)}), вероятно «rebates up». ` +
    'Сначала остановите его или работайте через его HTTP API.',
  'closed-quarter-change': (p) =>
    `Эти данные изменили бы выплаты закрытого квартала ${list(p.quarters)} на ${grouped(str(p.total) || '0', 'ru')} руб. ` +
    `(партнёры ${list(p.partners)}${p.more ? ', …' : ''}), а изменение закрытого квартала должен утвердить второй человек. ` +
    'Ничего не импортировано. Запустите «rebates up» на этой папке состояния и импортируйте через него: ' +
    'изменение будет ждать в разделе утверждений, пока его не утвердит менеджер программы или пользователь с ролью «финансы».',
  'lang-choice': () => '--lang принимает en или ru.',
  'format-choice': (p) => `--format принимает одно из значений: ${list(p.choices)}.`,
  'partner-needed': () => '--partner требует ID партнёра, например --partner RU100103.',
  'token-role': (p) => `Команде token нужен параметр --role ${list(p.roles).replace(/, /g, '|')}.`,
  'token-regions': () =>
    'Токену менеджера по партнёрам нужна территория: --regions R1,R2 (регионы партнёров, например Central,North-West).',
  'token-distributor': () => 'Токену дистрибьютора нужен параметр --distributor ID.',
  'run-needs': () => 'Команде run нужны --data ПАПКА и --out ПАПКА (и --quarter КВАРТАЛ).',
  'import-needs': () => 'Команде import нужен --data ПАПКА (папка с partners.csv, distributors.csv, …).',
  'ingest-needs': () => 'Команде ingest нужны ФАЙЛ и --distributor ID.',
  'port-invalid': (p) => `--port принимает номер порта (0 выбирает свободный), а не «${str(p.raw)}».`,
  'port-in-use': (p) => `Порт ${str(p.port)} уже занят; выберите другой: --port N (0 выбирает свободный).`,
  'up-unreachable': (p) =>
    `«rebates up» по адресу ${str(p.url)} не отвечает; перезапустите его или остановите и запустите команду снова.`,
  /** The server already said it in the language asked for. */
  'as-sent': (p) => str(p.text),
  commander: (p) => commanderRu(p),
  ...RARE_SENTENCES_RU,
};

/** Errors whose issue list is built from params too (zod's field issues aside). */
const ISSUES: Record<string, (p: ErrorParams) => string[] | undefined> = {
  // Without the issues as data (an older caller), the English list is kept rather than none.
  'rows-bad': (p) => (Array.isArray(p.rows) ? (p.rows as LineIssue[]).map((i) => lineIssueText(i, 'ru')) : undefined),
  'rows-repeated': (p) => repeatedRu(p),
  'reference-problems': (p) =>
    Array.isArray(p.fileIssues) ? (p.fileIssues as FileIssue[]).map((i) => fileIssueText(i, 'ru')) : undefined,
  'rates-unknown': (p) => previewIssuesRu(p),
  // Listed one by one only where the English lists them (PUT /reference, not the preview).
  'partners-unknown': (p) =>
    p.listed ? (Array.isArray(p.partners) ? p.partners : []).map((id) => `партнёра ${String(id)} нет в реестре партнёров`) : undefined,
  'partners-unknown-territory': (p) =>
    p.listed
      ? (Array.isArray(p.partners) ? p.partners : []).map(
          (id) => `партнёра ${String(id)} нет на вашей территории (${list(p.regions)})`,
        )
      : undefined,
  'mapping-no-rate-row': (p) => {
    if (!Array.isArray(p.skus) || !Array.isArray(p.rateRows)) return undefined;
    const rows = p.rateRows.map(String);
    return p.skus.map(
      (sku, i) => `sku «${String(sku)}»: ${rows[i]} — не строка ставок ни одного квартала (${list(p.quarters)})`,
    );
  },
  'plans-unchangeable': (p) => previewIssuesRu(p),
  'extras-no-rate-row': (p) => previewIssuesRu(p),
  'file-name-unusable': (p) => (Array.isArray(p.problems) ? p.problems : []).map((c) => fileNameProblem(String(c), p)),
  'rules-inconsistent': (p) => (Array.isArray(p.issuesRu) ? p.issuesRu.map(String) : undefined),
};

/** The keys said in Russian (a test checks every key thrown in the code is one of them). */
export const RU_ERROR_KEYS: readonly string[] = Object.keys(SENTENCES);

/** commander's own mistakes (kind = its error code), from the pieces of its English message. */
function commanderRu(p: ErrorParams): string {
  const [first = '', second = ''] = Array.isArray(p.quoted) ? p.quoted.map(String) : [];
  const hint = p.suggestion ? ` Возможно, имелось в виду ${str(p.suggestion)}.` : '';
  switch (p.kind) {
    case 'commander.unknownOption':
      return `Неизвестный параметр ${first}.${hint}`;
    case 'commander.unknownCommand':
      return `Неизвестная команда ${first}.${hint}`;
    case 'commander.missingMandatoryOptionValue':
      return `Не указан обязательный параметр ${first}.`;
    case 'commander.optionMissingArgument':
      return `У параметра ${first} нет значения.`;
    case 'commander.invalidArgument':
      return `Значение «${second}» не подходит для ${first}${p.choices ? `; допустимые значения: ${str(p.choices)}` : ''}.`;
    case 'commander.missingArgument':
      return `Не указан обязательный аргумент ${first}.`;
    case 'commander.excessArguments':
      return `Слишком много аргументов для команды ${first}.`;
    default:
      return CODES.usage!;
  }
}

/** One sentence per code, for errors thrown without a key of their own. */
const CODES: Record<string, string> = {
  'rules-invalid': 'Правила программы заданы неверно.',
  'config-invalid': 'Настройки заданы неверно.',
  'input-invalid': 'Некоторые значения указаны неверно.',
  'empty-file': 'Файл пуст: в нём нет ни заголовка, ни строк.',
  'not-text': 'Файл не текстовый: загрузите отчёт в CSV.',
  'header-missing-fields': 'В заголовке файла не хватает обязательных столбцов.',
  'too-large': 'Файл больше, чем может быть один отчёт; разделите его на несколько файлов.',
  unreadable: 'Файл не читается: он может быть обрезан или повреждён.',
  'unknown-distributor': 'Такого дистрибьютора нет в реестре.',
  'duplicate-file': 'Этот файл уже загружен и учтён; его строки не считаются второй раз.',
  'not-found': 'Такой записи нет.',
  forbidden: 'Это вне того, что разрешено вашей роли.',
  'insufficient-points': 'Баллов на балансе не хватает.',
  'emulator-failed': 'Локальный эмулятор не удалось запустить или остановить.',
  'unknown-reward': 'Такой награды нет в каталоге.',
  'reward-on-request': 'У этой награды нет цены в баллах: её предоставляют по запросу.',
  'export-invalid-value': 'Значение нельзя записать в файл выгрузки как есть.',
  'report-read-stopped': 'Чтение отчёта остановлено до конца файла.',
  'quarter-closed': 'Квартал уже закрыт, его суммы зафиксированы.',
  unauthorized: 'Войдите снова.',
  'method-not-allowed': 'Это действие здесь недоступно.',
  'payload-too-large': 'Отправленные данные слишком велики.',
  'snapshot-invalid': 'Сохранённый снимок квартала не читается или не совпадает со своей контрольной суммой.',
  'state-locked': 'Папка состояния занята другим процессом rebates; остановите его или работайте через его HTTP API.',
  'extract-invalid': 'Сохранённая выжимка отчёта не читается; загрузите отчёт заново.',
  'import-incomplete': 'Сохранение прервалось на середине; отправьте те же строки ещё раз, это безопасно.',
  'bad-request-target': 'Путь запроса не читается; отправьте путь, который начинается с /.',
  'approval-decided': 'Запрос уже решён или больше не ждёт решения; ничего не изменено.',
  'approval-stale': 'Суммы изменились после запроса на закрытие; запросите закрытие снова.',
  'closed-quarter-change':
    'Эти данные изменили бы выплаты закрытого квартала, а такое изменение должен утвердить второй человек; ничего не импортировано.',
  'redemption-conflict': 'Сейчас записываются другие списания баллов этого партнёра; попробуйте ещё раз.',
  usage: 'Команда вызвана неверно.',
  'missing-path': 'Указанного файла или папки нет.',
  'up-unreachable': '«rebates up» не отвечает; перезапустите его.',
  'ingest-wait': '«rebates up» не закончил обработку отчёта вовремя; смотрите его состояние на странице отчётов.',
  'evaluation-wait': 'Изменение всё ещё проверяется по закрытым кварталам; смотрите «approvals» позже.',
  'storage-unreachable': 'Хранилище файлов недоступно.',
  'upload-failed': 'Файл не удалось сохранить.',
  internal: INTERNAL_RU,
};

/** The Russian message of `err`, and its field-level issues in Russian when zod found them. */
export function errorRu(err: Pick<AppError, 'code' | 'key' | 'params' | 'message'>): {
  message: string;
  issues?: string[];
} {
  // Without its own key an error is said by its code alone: its params may not be there.
  const sentence = err.key ? SENTENCES[err.key] : undefined;
  const fields = Array.isArray(err.params.fieldIssues) ? (err.params.fieldIssues as FieldIssue[]) : null;
  const message = sentence ? sentence(err.params) : (CODES[err.code] ?? 'Запрос не выполнен.');
  const listed = err.key ? ISSUES[err.key]?.(err.params) : undefined;
  if (listed) return { message, issues: listed };
  if (!fields?.length) return { message };
  const issues = fields.map(fieldIssueRu);
  // The English message lists the issues too; the Russian one names them after its first sentence.
  return { message: `${message} ${issues.join(' ')}`, issues };
}
