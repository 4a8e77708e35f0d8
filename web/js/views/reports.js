/**
 * Report statuses with their line counts: read = extracted + rejected (the file's own checks), and
 * of the extracted lines those the latest quarter computation counted or held. A report's rejected
 * and held lines, and its rejects file, on demand. Distributors (the API shows them their own
 * reports only) also upload here. The list is a page from the API, newest first; it follows itself
 * while a report is being read or computed, and after an upload until that file is final.
 */
import { api } from '../api.js';
import { h, message, table } from '../dom.js';
import { errorText, failureText, serverSentence } from '../codes.js';
import { pager } from '../pager.js';
import { searchField } from '../search-field.js';
import { sortField } from '../list-controls.js';
import { formatInstant, formatInt, rejectReason, t } from '../i18n.js';
import { tp } from '../plural.js';
import { uploaderLine } from '../uploader.js';

const SHOWN_REJECTS = 100;
const SHOWN_HELD = 100;

const PAGE = 50;
const POLL_MS = 2_000;
/** Give up following an upload whose report never appears (ingest down): ten minutes. */
const FOLLOW_MS = 10 * 60_000;
const state = { q: '', status: '', offset: 0, sort: 'received', order: 'desc' };
/** The upload being followed to the end: `{ key, since }`. */
let followed = null;

export async function render({ me }) {
  const details = h('div', { 'aria-live': 'polite' });
  const area = h('div', { class: 'list-area' });
  const note = h('div', { 'aria-live': 'polite' });
  const data = await api.reports(query());
  fillReports(area, note, details, data);
  return h(
    'div',
    { class: 'page' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('reportsTitle')),
      h('button', { type: 'button', class: 'secondary', onclick: () => reload(area, note, details) }, t('refresh')),
    ),
    me.role === 'distributor' ? uploadForm(() => reload(area, note, details)) : null,
    reportControls(() => {
      state.offset = 0;
      reload(area, note, details);
    }),
    note,
    area,
    details,
  );
}

const query = () => ({ sort: state.sort, order: state.order, q: state.q, status: state.status, offset: state.offset, limit: PAGE });

/** Not yet final: being read, or read and waiting for its quarter computation. */
const unfinished = (r) =>
  r.status === 'received' || r.status === 'processing' || (r.status === 'processed' && r.activeVersion && !r.computed);

function followedDone(reports) {
  if (!followed) return true;
  if (Date.now() - followed.since > FOLLOW_MS) return true;
  // The record is updated when its new version is read; clocks may differ a little.
  const r = reports.find((x) => x.key === followed.key && Date.parse(x.updatedAt) >= followed.since - 30_000);
  return !!r && !unfinished(r);
}

async function reload(area, note, details) {
  const n = (area.loads = (area.loads ?? 0) + 1);
  try {
    const data = await api.reports(query());
    if (n === area.loads && area.isConnected) fillReports(area, note, details, data);
  } catch (err) {
    if (n === area.loads) area.replaceChildren(message(t('loadFailed', { message: errorText(err) }), 'error'));
  }
}

function fillReports(area, note, details, data) {
  const { reports, page } = data;
  area.replaceChildren(
    ...(reports.length
      ? [
          h('div', { class: 'table-scroll' }, reportsTable(reports, details)),
          page && page.total > PAGE
            ? pager(page, (offset) => {
                state.offset = offset;
                reload(area, note, details);
              })
            : '',
        ]
      : [message(state.q || state.status ? t('noMatches') : t('noReports'))]),
  );
  // Follows the list while any report shown, or the one just uploaded, is still on its way.
  const busy = reports.some(unfinished) || !followedDone(reports);
  if (!busy) followed = null;
  note.replaceChildren(busy ? h('p', { class: 'meta following' }, t('following')) : '');
  clearTimeout(area.poll);
  if (busy)
    area.poll = setTimeout(() => {
      if (area.isConnected) reload(area, note, details);
    }, POLL_MS);
}

function reportControls(changed) {
  return h(
    'form',
    { class: 'list-controls', role: 'search', onsubmit: (e) => (e.preventDefault(), changed()) },
    searchField('report-search', t('searchReports'), state, changed),
    h(
      'p',
      { class: 'field' },
      h('label', { for: 'report-status' }, t('colStatus')),
      h(
        'select',
        { id: 'report-status', onchange: (e) => ((state.status = e.target.value), changed()) },
        [['', t('allReportStatuses')], ...['received', 'processing', 'processed', 'failed'].map((s) => [s, t(`rstatus_${s}`)])].map(
          ([v, text]) => h('option', { value: v, selected: v === state.status }, text),
        ),
      ),
    ),
    sortField(
      'report-sort',
      t('sortLabel'),
      state,
      [
        ['received:desc', t('sortNewestFirst')],
        ['received:asc', t('sortOldestFirst')],
        ['name:asc', t('sortReportName')],
        ['distributor:asc', t('sortReportDistributor')],
        ['status:asc', t('sortReportStatus')],
      ],
      changed,
    ),
  );
}

/** A failed file: one sentence, and the server's full text (accepted column names) one click away. */
function failure(error) {
  const { sentence, details } = failureText(error);
  return h(
    'div',
    { class: 'failure' },
    h('p', { class: 'error-text' }, sentence),
    details && details !== sentence
      ? h(
          'details',
          {},
          h('summary', {}, t('showAcceptedHeaders')),
          // The server's words in the page's language when it has them (textLang), else its English.
          h('p', { class: 'server-text', lang: error.textLang ?? 'en' }, details),
        )
      : null,
  );
}

function reportsTable(reports, details) {
  return table({
    className: 'reports',
    columns: [
      { label: t('colDistributor') },
      { label: t('colFile') },
      { label: t('colStatus') },
      { label: t('colReceived') },
      { label: t('colRead'), numeric: true },
      { label: t('colRejected'), numeric: true },
      { label: t('colCounted'), numeric: true },
      { label: t('colHeld'), numeric: true },
      { label: t('colRejectReasons') },
      { label: t('colDetails') },
    ],
    rows: reports.map((r) => ({
      className: r.status === 'failed' ? 'failed' : undefined,
      cells: [
        r.distributorId,
        r.name,
        [h('span', { class: `badge ${r.status}` }, t(`rstatus_${r.status}`)), r.error ? failure(r.error) : null],
        [formatInstant(r.receivedAt), uploadedBy(r)],
        count(r.counts?.read),
        count(r.counts?.rejected),
        computed(r, 'counted'),
        computed(r, 'held'),
        h(
          'ul',
          { class: 'reasons' },
          Object.entries({ ...(r.counts?.byReason ?? {}), ...(r.computed?.heldByReason ?? {}) })
            .sort((a, b) => b[1] - a[1])
            .map(([code, n]) => h('li', {}, `${rejectReason(code)}: ${formatInt(n)}`)),
        ),
        r.counts?.rejected || r.computed?.held || r.status === 'failed'
          ? h(
              'button',
              { type: 'button', class: 'link', onclick: () => showRejects(r, details) },
              t('showDetails', { name: r.name }),
            )
          : '',
      ],
    })),
  });
}

/** Under the time received: who uploaded the version; nothing when nobody was recorded. */
const uploadedBy = (r) => {
  const line = uploaderLine(r.uploader);
  return line ? h('span', { class: 'meta uploader' }, line) : null;
};

const count = (n) => (n === undefined ? '–' : formatInt(n));
/** Counted / held come from the quarter computation, which may still be running for a new version. */
const computed = (r, key) =>
  r.computed ? formatInt(r.computed[key]) : r.activeVersion ? h('span', { class: 'meta' }, t('computing')) : '–';

async function showRejects(r, details) {
  details.replaceChildren(message(t('loading')));
  try {
    const { rejects, rejectsUrl, held = [], heldLines = 0, heldPending } = await api.report(r.reportId);
    const shown = rejects.slice(0, SHOWN_REJECTS);
    details.replaceChildren(
      h(
        'section',
        { 'aria-labelledby': 'rejects-title', class: 'card' },
        h('h2', { id: 'rejects-title', tabindex: '-1' }, t('reportDetails', { name: r.name })),
        h('p', { class: 'meta uploader' }, uploaderLine(r.uploader) ?? t('uploaderNotRecorded')),
        h('h3', {}, t('rejectedTitle')),
        rejectsUrl ? h('p', {}, h('a', { href: rejectsUrl, download: '' }, t('rejectsFile'))) : null,
        shown.length
          ? [
              h('p', {}, tp('firstRejects', shown.length)),
              table({
                columns: [
                  { label: t('colLine'), numeric: true },
                  { label: t('colReason') },
                  { label: t('colMessage') },
                ],
                rows: shown.map((x) => ({
                  cells: [formatInt(x.line), rejectReason(x.code), serverSentence(x.message, x.messageLang)],
                })),
              }),
            ]
          : message(t('noRejects')),
        heldSection(held, heldLines, heldPending),
      ),
    );
    details.querySelector('h2').focus();
  } catch (err) {
    details.replaceChildren(message(t('loadFailed', { message: errorText(err) }), 'error'));
  }
}

/** Lines read but not counted by the quarter computation, each group with its line numbers and why. */
function heldSection(held, total, pending) {
  const rows = held.slice(0, SHOWN_HELD);
  return h(
    'section',
    { 'aria-labelledby': 'held-title', class: 'held' },
    h('h3', { id: 'held-title' }, t('heldTitle')),
    pending ? message(t('heldPending')) : null,
    rows.length
      ? [
          h('p', {}, t('heldIntro', { n: formatInt(total) })),
          table({
            className: 'held-lines',
            columns: [
              { label: t('colLineNumbers') },
              { label: t('colQuarter') },
              { label: t('colReason') },
              { label: t('colPartner') },
              { label: t('colDescription') },
              { label: t('colMessage') },
            ],
            rows: rows.map((x) => ({
              cells: [
                x.lines.map(formatInt).join(', '),
                x.quarter,
                rejectReason(x.reason),
                x.partnerId,
                x.sku ? `${x.description} (${x.sku})` : x.description,
                serverSentence(x.message, x.messageLang),
              ],
            })),
          }),
        ]
      : pending
        ? null
        : message(t('noHeld')),
  );
}

function uploadForm(reloadList) {
  const status = h('div', { 'aria-live': 'polite' });
  const input = h('input', {
    type: 'file',
    id: 'report-file',
    name: 'file',
    accept: '.csv,.gz,text/csv,application/gzip',
    required: true,
  });
  return h(
    'form',
    {
      class: 'card upload',
      onsubmit: async (e) => {
        e.preventDefault();
        const file = input.files?.[0];
        if (!file) return status.replaceChildren(message(t('chooseFile'), 'error'));
        const button = e.target.querySelector('button');
        button.disabled = true;
        status.replaceChildren(message(t('uploading', { name: file.name })));
        try {
          // The API may adjust the name (REPORT.CSV is stored as REPORT.csv, which ingest picks up).
          const since = Date.now();
          const { key } = await api.upload(file);
          status.replaceChildren(message(t('uploadedFollowing', { name: key.split('/').pop() })));
          input.value = '';
          followed = { key, since };
          reloadList();
        } catch (err) {
          const why = err.code === 'storage-unreachable' ? t('storageUnreachable') : errorText(err);
          status.replaceChildren(message(t('uploadFailed', { message: why }), 'error'));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h2', {}, t('uploadTitle')),
    h('p', { class: 'field' }, h('label', { for: 'report-file' }, t('fileLabel')), input),
    h('p', {}, h('button', { type: 'submit' }, t('upload'))),
    status,
  );
}
