/**
 * What a change request or an audit entry holds, as labelled fields in the page's language instead
 * of raw JSON: reference rows (partners, distributors, acceptances, trainings, catalog) as a table
 * per kind, other records (a close's figures, a report's counts, a payment) as a list of fields.
 * Identifiers, names, keys and hashes are shown as recorded; codes (region, status, program, rate
 * row, segment, role) by their labels; instants in Moscow time; roubles as money. A field this page
 * does not know is still shown, under its own name.
 */
import { codeLabel, pointsSource, serverSentence } from '../codes.js';
import { h, table } from '../dom.js';
import { formatInstant, formatInt, formatMoney, rejectReason, t, zeroReason } from '../i18n.js';
import { tp } from '../plural.js';
import { STRINGS } from '../labels.js';

export const ROW_KINDS = ['partners', 'distributors', 'acceptances', 'trainings', 'catalog'];

/** The fields shown first per kind, in this order; a row's other fields follow. */
const FIELDS = {
  partners: ['displayId', 'name', 'status', 'region'],
  distributors: ['displayId', 'name', 'segments'],
  acceptances: ['partnerId', 'program', 'plan', 'acceptedAt', 'recordedAt'],
  trainings: ['partnerId', 'courseCode', 'completedAt'],
  catalog: ['sku', 'program', 'rateRow'],
};
/** Keys a display ID stands beside: shown once, as written. */
const HIDDEN = new Set(['id']);
const CODES = {
  region: 'region',
  program: 'program',
  rateRow: 'rateRow',
  segments: 'segment',
  role: 'role',
  via: 'via',
  language: 'lang',
  kind: 'kind',
};
const ROLES = ['finance', 'program', 'manager', 'distributor'];
const MONEY = new Set(['total', 'totalRub', 'amount', 'before', 'after', 'delta']);
const INSTANT = /(At|^at)$/;

const has = (key) => key in STRINGS.en;
const fieldLabel = (name) => (has(`rf_${name}`) ? t(`rf_${name}`) : name);

/** A status is a quarter's (open, closed), a report's, or a partner's. */
function statusLabel(v) {
  for (const kind of ['status', 'rstatus', 'pstatus']) if (has(`${kind}_${v}`)) return t(`${kind}_${v}`);
  return String(v);
}

/** "<role> <user>", as an upload link or a payment records who: the role in words, the user as written. */
function person(v) {
  const m = /^(\S+) (.+)$/.exec(String(v));
  return m && ROLES.includes(m[1]) ? `${m[2]} (${t(`role_${m[1]}`)})` : serverSentence(String(v));
}

function scalar(name, v) {
  if (v === null || v === undefined || v === '') return name === 'plan' ? t('rfNoPlan') : '—';
  if (name === 'status') return statusLabel(v);
  if (name === 'by' || name === 'recordedBy') return person(v);
  if (name === 'source') return pointsSource(v);
  // A ledger entry's reason is the sentence it was written with.
  if (name === 'reason') return serverSentence(String(v));
  if (CODES[name]) return codeLabel(CODES[name], v);
  if (INSTANT.test(name) && typeof v === 'string') return formatInstant(v);
  if (MONEY.has(name) && /^-?\d+(\.\d+)?$/.test(String(v))) return formatMoney(v);
  // A hash is an identifier: its first characters tell it apart on screen.
  if (name === 'sha256' && typeof v === 'string') return `${v.slice(0, 12)}…`;
  if (typeof v === 'number') return formatInt(v);
  if (typeof v === 'boolean') return t(v ? 'rfYes' : 'rfNo');
  return String(v);
}

/** A close request's open exceptions by workbench group: "<reason>: <count>; …", as the approvals page says it. */
export const exceptionGroupsText = (groups) =>
  groups
    .map((g) => `${g.source === 'held' ? rejectReason(g.reason) : zeroReason(g.reason)}: ${formatInt(g.count)}`)
    .join('; ');

function cell(name, v) {
  if (name === 'exceptionGroups' && Array.isArray(v)) return v.length ? exceptionGroupsText(v) : '—';
  if (name === 'byReason' && v && typeof v === 'object')
    return h(
      'dl',
      { class: 'record-fields' },
      Object.entries(v).flatMap(([code, n]) => [h('dt', {}, rejectReason(code)), h('dd', {}, scalar('', n))]),
    );
  if (Array.isArray(v))
    return v.every((x) => x === null || typeof x !== 'object')
      ? v.map((x) => scalar(name, x)).join(', ')
      : fields(v);
  if (v && typeof v === 'object') return fields(v);
  return scalar(name, v);
}

/** Whether `value` is rows by kind, as a change or an audit entry's before/after holds them. */
export function isRowsByKind(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => ROW_KINDS.includes(k));
}

/** One kind's rows as a table; `{ rows, more }` (an audit entry cut at its bound) says how many more. */
function kindTable(kind, list) {
  const rows = Array.isArray(list) ? list : (list?.rows ?? []);
  const more = Array.isArray(list) ? 0 : (list?.more ?? 0);
  const known = FIELDS[kind] ?? [];
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r ?? {})))].filter(
    (k) => !known.includes(k) && !HIDDEN.has(k),
  );
  const shown = [...known.filter((k) => rows.some((r) => r && k in r)), ...extra];
  return [
    table({
      className: 'reference-rows',
      caption: t(`rowKind_${kind}`),
      columns: shown.map((f) => ({ label: fieldLabel(f), numeric: f === 'plan' })),
      rows: rows.map((r) => ({ cells: shown.map((f) => cell(f, r?.[f])) })),
    }),
    more ? h('p', { class: 'meta' }, tp('rfMoreRows', more)) : null,
  ];
}

/** Rows by kind as one table per kind; a kind with no rows says so. */
export function referenceRows(byKind) {
  return ROW_KINDS.filter((k) => byKind?.[k] !== undefined).map((k) => {
    const list = byKind[k];
    const empty = Array.isArray(list) ? !list.length : !list?.rows?.length;
    return empty ? h('p', { class: 'meta' }, t('rfNoRows', { kind: t(`rowKind_${k}`) })) : kindTable(k, list);
  });
}

/**
 * Rows by kind inside a table's cell (the audit trail): one list of labelled fields per row, no
 * nested table, so the trail's own rows stay the only rows of its table.
 */
function rowsList(byKind) {
  return ROW_KINDS.filter((k) => byKind[k] !== undefined).map((k) => {
    const list = byKind[k];
    const rows = Array.isArray(list) ? list : (list?.rows ?? []);
    const more = Array.isArray(list) ? 0 : (list?.more ?? 0);
    if (!rows.length) return h('p', { class: 'meta' }, t('rfNoRows', { kind: t(`rowKind_${k}`) }));
    const known = FIELDS[k] ?? [];
    const ordered = (r) => [
      ...known.filter((f) => f in r),
      ...Object.keys(r).filter((f) => !known.includes(f) && !HIDDEN.has(f)),
    ];
    return [
      h('p', { class: 'record-kind' }, t(`rowKind_${k}`)),
      h(
        'ol',
        { class: 'record-list' },
        rows.map((r) =>
          h(
            'li',
            {},
            h(
              'dl',
              { class: 'record-fields' },
              ordered(r ?? {}).flatMap((f) => [h('dt', {}, fieldLabel(f)), h('dd', {}, cell(f, r[f]))]),
            ),
          ),
        ),
      ),
      more ? h('p', { class: 'meta' }, tp('rfMoreRows', more)) : null,
    ];
  });
}

/** Any record as labelled fields; a list of records as one list of fields each. */
export function fields(value) {
  if (value === null || value === undefined) return '—';
  if (isRowsByKind(value)) return rowsList(value);
  if (Array.isArray(value))
    return value.length
      ? h(
          'ol',
          { class: 'record-list' },
          value.map((v) => h('li', {}, cell('', v))),
        )
      : '—';
  if (typeof value !== 'object') return scalar('', value);
  return h(
    'dl',
    { class: 'record-fields' },
    Object.entries(value).flatMap(([k, v]) => [h('dt', {}, fieldLabel(k)), h('dd', {}, cell(k, v))]),
  );
}
