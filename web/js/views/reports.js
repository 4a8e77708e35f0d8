/**
 * Report statuses with their line counts: read = extracted + rejected (the file's own checks), and
 * of the extracted lines those the latest quarter computation counted or held. A report's rejected
 * and held lines, and its rejects file, on demand. Distributors (the API shows them their own
 * reports only) also upload here.
 */
import { api } from '../api.js';
import { h, message, table } from '../dom.js';
import { formatInstant, formatInt, rejectReason, t } from '../i18n.js';

const SHOWN_REJECTS = 100;
const SHOWN_HELD = 100;

export async function render({ me, rerender }) {
  const { reports } = await api.reports();
  const sorted = reports
    .slice()
    .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || a.key.localeCompare(b.key));
  const details = h('div', { 'aria-live': 'polite' });
  return h(
    'div',
    { class: 'page' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('reportsTitle')),
      h('button', { type: 'button', class: 'secondary', onclick: () => rerender() }, t('refresh')),
    ),
    me.role === 'distributor' ? uploadForm() : null,
    sorted.length ? reportsTable(sorted, details) : message(t('noReports')),
    details,
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
        [
          h('span', { class: `badge ${r.status}` }, t(`rstatus_${r.status}`)),
          r.error ? h('p', { class: 'error-text' }, r.error.message) : null,
        ],
        formatInstant(r.receivedAt),
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
        h('h3', {}, t('rejectedTitle')),
        rejectsUrl ? h('p', {}, h('a', { href: rejectsUrl, download: '' }, t('rejectsFile'))) : null,
        shown.length
          ? [
              h('p', {}, t('firstRejects', { n: formatInt(shown.length) })),
              table({
                columns: [
                  { label: t('colLine'), numeric: true },
                  { label: t('colReason') },
                  { label: t('colMessage') },
                ],
                rows: shown.map((x) => ({
                  cells: [formatInt(x.line), rejectReason(x.code), h('span', { lang: 'en' }, x.message)],
                })),
              }),
            ]
          : message(t('noRejects')),
        heldSection(held, heldLines, heldPending),
      ),
    );
    details.querySelector('h2').focus();
  } catch (err) {
    details.replaceChildren(message(t('loadFailed', { message: err.message }), 'error'));
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
                h('span', { lang: 'en' }, x.message),
              ],
            })),
          }),
        ]
      : pending
        ? null
        : message(t('noHeld')),
  );
}

function uploadForm() {
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
          const { key } = await api.upload(file);
          status.replaceChildren(message(t('uploaded', { name: key.split('/').pop() })));
          input.value = '';
        } catch (err) {
          const why = err.code === 'storage-unreachable' ? t('storageUnreachable') : err.message;
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
