/* global localStorage, navigator, document */
/**
 * Labels in Russian and English, and the number, money and date formats of each language.
 * Server texts (payout explanations, tier summaries) come in English and are shown as they are.
 */

const STRINGS = {
  en: {
    appTitle: 'Rebate program',
    skipToContent: 'Skip to content',
    navOverview: 'Quarter',
    navExceptions: 'Exceptions',
    navReports: 'Reports',
    mainNav: 'Main',
    language: 'Language',
    logOut: 'Log out',
    signedInAs: 'Signed in: {sub}',
    territory: 'Territory: {regions}',
    distributorOf: 'Distributor: {id}',
    role_finance: 'Finance',
    role_program: 'Program manager',
    role_manager: 'Partner manager',
    role_distributor: 'Distributor',
    loading: 'Loading…',
    loadFailed: 'Could not load this page: {message}',
    forbidden: 'You do not have access to this: {message}',

    loginTitle: 'Log in',
    tokenLabel: 'Access token',
    tokenHelp:
      'Paste the bearer token you were given. Locally: npm run rebates -- token --role manager --regions Central,Volga',
    logIn: 'Log in',
    tokenEmpty: 'Paste a token first.',
    sessionEnded: 'The token was not accepted or your session has ended. Log in again.',
    loggedOut: 'You have logged out.',

    quarterTitle: 'Quarter {q}',
    quarterLabel: 'Quarter',
    status_open: 'open',
    status_closed: 'closed',
    closedOn: 'closed {at}',
    period: '{first} – {last}',
    rulesVersion: 'rules {v}',
    totalPayouts: 'Total payouts',
    partnersWithPayouts: 'Partners',
    payoutLines: 'Payout lines',
    byProgram: 'Payouts by program',
    byDistributor: 'Payouts by distributor',
    chartDesc: '{label}: {value}',
    partnersTitle: 'Partners',
    noPayouts: 'No payout lines in this quarter yet.',
    colPartnerId: 'Partner ID',
    colName: 'Name',
    colRegion: 'Region',
    colPrograms: 'Programs',
    colLines: 'Lines',
    colAmount: 'Amount',
    totalRow: 'Total',
    financeTitle: 'Finance',
    exportCsv: 'Export CSV',
    exportXlsx: 'Export Excel (XLSX)',
    closeQuarter: 'Close quarter…',
    closeConfirmTitle: 'Close quarter {q}?',
    closeConfirmText:
      'Its figures will be frozen. Later report or reference changes will show up as adjustment lines in the next open quarter.',
    closeConfirm: 'Close {q}',
    cancel: 'Cancel',
    quarterClosed: 'Quarter {q} is closed.',
    actionFailed: 'That did not work: {message}',
    downloadFailed: 'The download failed: {message}',

    backToQuarter: '← All partners of {q}',
    partnerMeta: '{id} · {region} · {status}',
    progressTitle: 'Plan progress',
    noProgress: 'No units counted in any program this quarter.',
    unitsSoFar: '{units} units so far',
    moreToPlan: '{n} more units to plan {plan}',
    moreToChosenPlan: '{n} more units to the chosen plan {plan}',
    planApplies: 'plan {plan} applies',
    chosenPlanApplies: 'chosen plan {plan} met and applies',
    chosenPlan: 'chosen plan {plan}',
    notAccepted: 'program not accepted in time: nothing is paid',
    planMark: 'plan {plan}',
    progressValue: '{units} of {plan} units',
    linesTitle: 'Payout lines',
    noLines: 'No payout lines for this partner in this quarter.',
    colProgram: 'Program',
    colDistributor: 'Distributor',
    colRateRow: 'Rate row',
    colUnits: 'Units',
    colPaidUnits: 'Paid units',
    colRate: 'Rate',
    colExplanation: 'Explanation',
    adjustmentOf: 'adjustment of {q}',
    warningsTitle: 'Warnings',
    pointsTitle: 'Partner Advantage points',
    pointsBalance: 'Balance: {n} points',
    noLedger: 'No points entries yet.',
    colDate: 'Date',
    colKind: 'Kind',
    colPoints: 'Points',
    colSource: 'Source',
    colReason: 'Reason',
    kind_earn: 'earned',
    kind_adjust: 'adjustment',
    kind_redeem: 'redeemed',
    partnerTotal: 'Total for the quarter',

    reason_partner_not_registered: 'partner not registered',
    reason_program_not_accepted: 'program not accepted',
    reason_accepted_late: 'accepted after the deadline',
    reason_plan_not_met: 'chosen plan not met',
    reason_below_lowest_plan: 'below the lowest plan',
    reason_training_missing: 'training missing',
    reason_zero_rate: 'rate is 0 at this plan',
    reason_negative_net: 'returns exceed purchases',

    exceptionsTitle: 'Exceptions queue',
    exceptionsIntro:
      'Report lines whose product could not be rated, grouped by product. A catalog mapping fixes them.',
    noExceptions: 'No exceptions in this quarter.',
    colCode: 'Problem',
    colDescription: 'Product description',
    colSku: 'SKU',
    colDistributors: 'Distributors',
    colExample: 'Example',
    exampleAt: 'line {line} of {report}',

    reportsTitle: 'Reports',
    noReports: 'No reports yet.',
    refresh: 'Refresh',
    colFile: 'File',
    colStatus: 'Status',
    colReceived: 'Received',
    colRead: 'Read',
    colTallied: 'Counted',
    colRejected: 'Rejected',
    colDetails: 'Details',
    colRejectReasons: 'Reject reasons',
    showDetails: 'Rejects of {name}',
    reportDetails: 'Rejected lines of {name}',
    rejectsFile: 'Download the rejects file',
    noRejects: 'No rejected lines.',
    firstRejects: 'The first {n} rejected lines:',
    colLine: 'Line',
    colMessage: 'Message',
    rstatus_received: 'received',
    rstatus_processing: 'processing',
    rstatus_processed: 'processed',
    rstatus_failed: 'failed',
    uploadTitle: 'Upload a report',
    fileLabel: 'Report file (.csv or .csv.gz)',
    upload: 'Upload',
    uploading: 'Uploading {name}…',
    uploaded: 'Uploaded {name}. It appears below once processed; press Refresh.',
    uploadFailed: 'The upload failed: {message}',
    chooseFile: 'Choose a file first.',
    storageUnreachable: 'the file storage could not be reached from this page (network or CORS settings)',
    moscowTime: 'Moscow time',
  },
  ru: {
    appTitle: 'Бонусная программа',
    skipToContent: 'К содержимому',
    navOverview: 'Квартал',
    navExceptions: 'Исключения',
    navReports: 'Отчёты',
    mainNav: 'Основное меню',
    language: 'Язык',
    logOut: 'Выйти',
    signedInAs: 'Вы вошли: {sub}',
    territory: 'Территория: {regions}',
    distributorOf: 'Дистрибьютор: {id}',
    role_finance: 'Финансы',
    role_program: 'Менеджер программы',
    role_manager: 'Менеджер по партнёрам',
    role_distributor: 'Дистрибьютор',
    loading: 'Загрузка…',
    loadFailed: 'Не удалось загрузить страницу: {message}',
    forbidden: 'Нет доступа: {message}',

    loginTitle: 'Вход',
    tokenLabel: 'Токен доступа',
    tokenHelp:
      'Вставьте выданный вам токен. Локально: npm run rebates -- token --role manager --regions Central,Volga',
    logIn: 'Войти',
    tokenEmpty: 'Сначала вставьте токен.',
    sessionEnded: 'Токен не принят или сеанс завершён. Войдите снова.',
    loggedOut: 'Вы вышли.',

    quarterTitle: 'Квартал {q}',
    quarterLabel: 'Квартал',
    status_open: 'открыт',
    status_closed: 'закрыт',
    closedOn: 'закрыт {at}',
    period: '{first} – {last}',
    rulesVersion: 'правила {v}',
    totalPayouts: 'Итого к выплате',
    partnersWithPayouts: 'Партнёров',
    payoutLines: 'Строк выплат',
    byProgram: 'Выплаты по программам',
    byDistributor: 'Выплаты по дистрибьюторам',
    chartDesc: '{label}: {value}',
    partnersTitle: 'Партнёры',
    noPayouts: 'В этом квартале строк выплат пока нет.',
    colPartnerId: 'ID партнёра',
    colName: 'Название',
    colRegion: 'Регион',
    colPrograms: 'Программы',
    colLines: 'Строк',
    colAmount: 'Сумма',
    totalRow: 'Итого',
    financeTitle: 'Финансы',
    exportCsv: 'Выгрузить CSV',
    exportXlsx: 'Выгрузить Excel (XLSX)',
    closeQuarter: 'Закрыть квартал…',
    closeConfirmTitle: 'Закрыть квартал {q}?',
    closeConfirmText:
      'Его суммы будут зафиксированы. Последующие изменения отчётов и справочников попадут корректировками в следующий открытый квартал.',
    closeConfirm: 'Закрыть {q}',
    cancel: 'Отмена',
    quarterClosed: 'Квартал {q} закрыт.',
    actionFailed: 'Не получилось: {message}',
    downloadFailed: 'Не удалось скачать файл: {message}',

    backToQuarter: '← Все партнёры за {q}',
    partnerMeta: '{id} · {region} · {status}',
    progressTitle: 'Выполнение плана',
    noProgress: 'В этом квартале нет учтённых штук ни по одной программе.',
    unitsSoFar: 'Учтено {units} шт.',
    moreToPlan: 'Ещё {n} шт. до плана {plan}',
    moreToChosenPlan: 'Ещё {n} шт. до выбранного плана {plan}',
    planApplies: 'действует план {plan}',
    chosenPlanApplies: 'выбранный план {plan} выполнен',
    chosenPlan: 'выбран план {plan}',
    notAccepted: 'программа не принята вовремя: выплат нет',
    planMark: 'план {plan}',
    progressValue: '{units} из {plan} шт.',
    linesTitle: 'Строки выплат',
    noLines: 'У партнёра нет строк выплат в этом квартале.',
    colProgram: 'Программа',
    colDistributor: 'Дистрибьютор',
    colRateRow: 'Строка ставок',
    colUnits: 'Штук',
    colPaidUnits: 'Оплачено шт.',
    colRate: 'Ставка',
    colExplanation: 'Пояснение',
    adjustmentOf: 'корректировка за {q}',
    warningsTitle: 'Предупреждения',
    pointsTitle: 'Баллы Partner Advantage',
    pointsBalance: 'Баланс баллов: {n}',
    noLedger: 'Записей о баллах пока нет.',
    colDate: 'Дата',
    colKind: 'Вид',
    colPoints: 'Баллы',
    colSource: 'Источник',
    colReason: 'Основание',
    kind_earn: 'начислено',
    kind_adjust: 'корректировка',
    kind_redeem: 'списано',
    partnerTotal: 'Итого за квартал',

    reason_partner_not_registered: 'партнёр не зарегистрирован',
    reason_program_not_accepted: 'программа не принята',
    reason_accepted_late: 'принята после срока',
    reason_plan_not_met: 'выбранный план не выполнен',
    reason_below_lowest_plan: 'ниже минимального плана',
    reason_training_missing: 'не пройдено обучение',
    reason_zero_rate: 'ставка 0 при этом плане',
    reason_negative_net: 'возвраты превышают покупки',

    exceptionsTitle: 'Очередь исключений',
    exceptionsIntro:
      'Строки отчётов, товар которых не удалось отнести к ставке, сгруппированные по товару. Их исправляет сопоставление в каталоге.',
    noExceptions: 'В этом квартале исключений нет.',
    colCode: 'Проблема',
    colDescription: 'Описание товара',
    colSku: 'Артикул',
    colDistributors: 'Дистрибьюторы',
    colExample: 'Пример',
    exampleAt: 'строка {line} отчёта {report}',

    reportsTitle: 'Отчёты',
    noReports: 'Отчётов пока нет.',
    refresh: 'Обновить',
    colFile: 'Файл',
    colStatus: 'Статус',
    colReceived: 'Получен',
    colRead: 'Прочитано',
    colTallied: 'Учтено',
    colRejected: 'Отклонено',
    colDetails: 'Подробности',
    colRejectReasons: 'Причины отклонения',
    showDetails: 'Отклонённые строки {name}',
    reportDetails: 'Отклонённые строки отчёта {name}',
    rejectsFile: 'Скачать файл отклонённых строк',
    noRejects: 'Отклонённых строк нет.',
    firstRejects: 'Первые {n} отклонённых строк:',
    colLine: 'Строка',
    colMessage: 'Сообщение',
    rstatus_received: 'получен',
    rstatus_processing: 'обрабатывается',
    rstatus_processed: 'обработан',
    rstatus_failed: 'ошибка',
    uploadTitle: 'Загрузить отчёт',
    fileLabel: 'Файл отчёта (.csv или .csv.gz)',
    upload: 'Загрузить',
    uploading: 'Загрузка {name}…',
    uploaded: 'Файл {name} загружен. Он появится в списке после обработки; нажмите «Обновить».',
    uploadFailed: 'Не удалось загрузить: {message}',
    chooseFile: 'Сначала выберите файл.',
    storageUnreachable: 'хранилище файлов недоступно с этой страницы (сеть или настройки CORS)',
    moscowTime: 'МСК',
  },
};

/** Reject reason codes (README "Report lines: reject reasons"), by language. */
const REASONS = {
  en: {
    'malformed-row': 'line could not be read as CSV',
    'record-too-long': 'line too long',
    'missing-field': 'a required value is empty',
    'distributor-mismatch': 'distributor column disagrees with the upload folder',
    'unknown-partner': 'unknown partner',
    'bad-date': 'not a date',
    'date-outside-quarter': 'date in no quarter with rules',
    'bad-quantity': 'not a whole number of units',
    'duplicate-line': 'duplicate line',
    'unclassified-product': 'product not recognised',
    'unrated-product': 'product has no rate',
    'not-eligible-product': 'product not in the program',
    'distributor-not-authorized': 'distributor not authorised for the segment',
  },
  ru: {
    'malformed-row': 'строка не читается как CSV',
    'record-too-long': 'слишком длинная строка',
    'missing-field': 'не заполнено обязательное поле',
    'distributor-mismatch': 'дистрибьютор в файле не совпадает с папкой загрузки',
    'unknown-partner': 'неизвестный партнёр',
    'bad-date': 'некорректная дата',
    'date-outside-quarter': 'дата вне кварталов с правилами',
    'bad-quantity': 'количество — не целое число',
    'duplicate-line': 'повтор строки',
    'unclassified-product': 'товар не распознан',
    'unrated-product': 'у товара нет ставки',
    'not-eligible-product': 'товар не участвует в программе',
    'distributor-not-authorized': 'дистрибьютор не авторизован на сегмент',
  },
};

const LOCALES = { en: 'en-US', ru: 'ru-RU' };
const LANG_KEY = 'rebates.lang';

let lang =
  localStorage.getItem(LANG_KEY) ?? (navigator.language?.toLowerCase().startsWith('ru') ? 'ru' : 'en');
if (!(lang in STRINGS)) lang = 'en';

export const languages = ['ru', 'en'];
export const getLang = () => lang;

export function setLang(next) {
  lang = next in STRINGS ? next : 'en';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

/** The label `key` with `{name}` placeholders filled in. */
export function t(key, params = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export const rejectReason = (code) => REASONS[lang][code] ?? code;
export const zeroReason = (code) => t(`reason_${code.replace(/-/g, '_')}`);

const moneyFormats = {};
/**
 * Amounts arrive as decimal strings ("1155.00"); Intl formats the string exactly (no float).
 * RU: "1 155,00 ₽"; EN: "RUB 1,155.00".
 */
export function formatMoney(amount) {
  moneyFormats[lang] ??= new Intl.NumberFormat(LOCALES[lang], {
    style: 'currency',
    currency: 'RUB',
    currencyDisplay: lang === 'ru' ? 'symbol' : 'code',
  });
  return moneyFormats[lang].format(String(amount));
}

export const formatInt = (n) => new Intl.NumberFormat(LOCALES[lang]).format(n);

/** Instants shown on Moscow time (UTC+3, the program's clock). */
export function formatInstant(iso) {
  if (!iso) return '';
  const f = new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone: 'Europe/Moscow',
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  return `${f.format(new Date(iso))} ${t('moscowTime')}`;
}

/** Plain calendar days ("2016-01-30") are Moscow days already: format without shifting. */
export function formatDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'UTC', dateStyle: 'medium' }).format(
    Date.UTC(y, m - 1, d),
  );
}

document.documentElement.lang = lang;
