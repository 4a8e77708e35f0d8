/**
 * Finance's parts of the quarter and partner pages (issue #14): a closed quarter's mark (who, when,
 * the snapshot's checksum) over its frozen figures, the corrections booked since listed apart with
 * their recorded causes, a quarter's total split from corrections of earlier quarters, the accrual
 * panel of an open quarter, and points redemption.
 */
import { api } from '../api.js';
import { filterSelect, reloadInto } from '../paged-list.js';
import { codeLabel, errorText, textLang } from '../codes.js';
import { rewardLabel } from '../names.js';
import { h, message, table } from '../dom.js';
import { formatInstant, formatInt, formatMoney, t } from '../i18n.js';
import { tp } from '../plural.js';
import { listControls, sortField } from '../list-controls.js';
import { pager } from '../pager.js';
import { searchField } from '../search-field.js';

const ACCRUAL_PAGE = 25;
/** The accrual list's search, filter, order and page: kept across visits of the same quarter. */
const accrualState = { quarter: null, q: '', program: '', sort: 'program', order: 'asc', offset: 0 };
const accrualQuery = () => ({
  q: accrualState.q,
  program: accrualState.program,
  sort: accrualState.sort,
  order: accrualState.order,
  offset: accrualState.offset,
  limit: ACCRUAL_PAGE,
});

// The live view of a closed quarter is asked for explicitly and lasts until switched back.
let closedView;
export const chosenView = () => closedView;
export const chooseView = (view, rerender) => {
  closedView = view;
  rerender();
};

/** Above a closed quarter's figures: which figures these are, and the other view. */
export function closedMark(data, onView) {
  if (data.status !== 'closed' || !data.closed) return null;
  const c = data.closed;
  const pending = data.view === 'pending-corrections';
  return h(
    'section',
    { class: 'closed-mark', 'aria-labelledby': 'closed-title' },
    h('h2', { id: 'closed-title' }, t('closedMark', { at: formatInstant(c.at), by: c.by })),
    h('p', {}, t('frozenTotal', { total: formatMoney(c.total) })),
    h('p', { class: 'meta sha' }, t('snapshotSha', { sha: c.sha256 })),
    h('p', { class: pending ? 'warning' : 'meta' }, t(pending ? 'pendingViewNote' : 'frozenViewNote')),
    onView
      ? h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => onView(pending ? undefined : 'pending-corrections') },
          t(pending ? 'showFrozen' : 'showPending'),
        )
      : null,
  );
}

/** A quarter's own payouts apart from corrections of closed quarters; says so when it is all corrections. */
export function totalsApart(data) {
  const totals = data.totals;
  if (!totals?.corrections?.length) return null;
  return h(
    'section',
    { class: 'totals-apart', 'aria-labelledby': 'totals-apart-title' },
    h('h2', { id: 'totals-apart-title' }, t('totalsApartTitle')),
    h(
      'ul',
      {},
      h('li', {}, t('totalsOwn', { q: totals.quarter, amount: formatMoney(totals.payouts) })),
      totals.corrections.map((c) => h('li', {}, t('totalsCorrections', { q: c.ofQuarter, amount: formatMoney(c.amount) }))),
    ),
    totals.onlyCorrections
      ? h(
          'p',
          { class: 'warning only-corrections' },
          t('onlyCorrections', { q: totals.quarter, quarters: totals.corrections.map((c) => c.ofQuarter).join(', ') }),
        )
      : null,
  );
}

/** Corrections of a closed quarter booked since its close, each with the causes recorded for it. */
export function adjustmentsSection(data) {
  if (data.status !== 'closed' || !data.adjustments) return null;
  const rows = data.adjustments;
  return h(
    'section',
    { class: 'adjustments', 'aria-labelledby': 'adjustments-title' },
    h('h2', { id: 'adjustments-title' }, t('adjustmentsTitle')),
    rows.length
      ? [
          h('p', {}, t('adjustmentsTotal', { total: formatMoney(data.adjustmentsTotal) })),
          table({
            className: 'adjustments-table',
            columns: [
              { label: t('colPartnerId') },
              { label: t('colDistributor') },
              { label: t('colProgram') },
              { label: t('colRateRow') },
              { label: t('colUnits'), numeric: true },
              { label: t('colAmount'), numeric: true },
              { label: t('colBookedIn') },
              { label: t('colCauses') },
            ],
            rows: rows.map((l) => ({
              cells: [
                l.partnerId,
                l.distributorId,
                codeLabel('program', l.program),
                codeLabel('rateRow', l.rateRow),
                formatInt(l.units),
                formatMoney(l.amount),
                t(l.frozen ? 'adjPaidIn' : 'adjBookedIn', { q: l.bookedIn }),
                causesList(l),
              ],
            })),
          }),
        ]
      : message(t('noAdjustments')),
  );
}

function causesList(l) {
  const causes = l.causes ?? [];
  if (!causes.length) return h('span', { lang: textLang(l.explanation.text) }, l.explanation.text);
  // Each cause comes worded by the server in the reader's language, marked with it.
  return h(
    'ul',
    { class: 'causes' },
    causes.map((c) => h('li', { lang: c.lang ?? textLang(c.text) }, c.text ?? c.kind)),
  );
}

/** An open quarter's liability so far and its run-rate projection, with CSV and XLSX downloads. */
export async function accrualsPanel(me, q, status, rerender) {
  if ((me.role !== 'finance' && me.role !== 'program') || status !== 'open') return null;
  if (accrualState.quarter !== q) Object.assign(accrualState, { quarter: q, q: '', program: '', offset: 0 });
  const a = await api.accruals(q, accrualQuery());
  // Every program of the quarter for the filter, whatever the rows matched now.
  const programs = (await api.rules(q).catch(() => ({ programs: [] }))).programs.map((p) => p.id);
  const download = (format) =>
    h(
      'a',
      {
        class: 'button secondary',
        href: api.accrualsPath(q, format),
        onclick: (e) => {
          e.preventDefault();
          api
            .download(api.accrualsPath(q, format), `accruals-${q}.${format}`)
            .catch((err) => rerender({ text: t('downloadFailed', { message: errorText(err) }), kind: 'error' }));
        },
      },
      t(format === 'csv' ? 'exportAccrualsCsv' : 'exportAccrualsXlsx'),
    );
  const area = h('div', { class: 'list-area', 'aria-live': 'polite' });
  const reload = () =>
    reloadInto(
      area,
      () => api.accruals(q, accrualQuery()),
      (data) => area.replaceChildren(...accrualList(data)),
      (err) => message(t('loadFailed', { message: errorText(err) }), 'error'),
    );
  const changed = () => {
    accrualState.offset = 0;
    reload();
  };
  const accrualList = (data) => [
    accrualsTable(data),
    data.page && data.page.total > data.page.limit
      ? pager(data.page, (offset) => {
          accrualState.offset = offset;
          reload();
        })
      : '',
  ];
  area.replaceChildren(...accrualList(a));
  return h(
    'section',
    { class: 'accruals', 'aria-labelledby': 'accruals-title' },
    h('h2', { id: 'accruals-title' }, t('accrualsTitle')),
    h('p', { class: 'meta' }, t('accrualsMeta', { elapsed: formatInt(a.elapsedDays), total: formatInt(a.totalDays), day: a.asOf })),
    listControls(
      changed,
      searchField('accrual-search', t('searchAccruals'), accrualState, changed),
      filterSelect(
        'accrual-program',
        t('colProgram'),
        accrualState.program,
        [['', t('accrualAnyProgram')], ...programs.map((p) => [p, codeLabel('program', p)])],
        (v) => (accrualState.program = v),
        changed,
      ),
      sortField(
        'accrual-sort',
        t('sortLabel'),
        accrualState,
        [
          ['program:asc', t('sortAccrualProgram')],
          ['distributor:asc', t('sortAccrualDistributor')],
          ['amount:desc', t('sortLargestFirst')],
          ['projectedAmount:desc', t('sortProjectedLargest')],
        ],
        changed,
      ),
    ),
    area,
    a.corrections !== '0.00' ? h('p', {}, t('accrualsCorrections', { amount: formatMoney(a.corrections) })) : null,
    h('p', { class: 'buttons' }, download('csv'), download('xlsx')),
  );
}

/** The rows of one page; the foot is the whole quarter's, whatever the search. */
function accrualsTable(a) {
  const projected = (v, fmt) => (v === null ? '–' : fmt(v));
  return a.rows.length
      ? table({
          className: 'accruals-table',
          columns: [
            { label: t('colProgram') },
            { label: t('colDistributor') },
            { label: t('colUnits'), numeric: true },
            { label: t('colAmount'), numeric: true },
            { label: t('colProjectedUnits'), numeric: true },
            { label: t('colProjectedAmount'), numeric: true },
          ],
          rows: a.rows.map((r) => ({
            cells: [
              codeLabel('program', r.program),
              r.distributorId,
              formatInt(r.units),
              formatMoney(r.amount),
              projected(r.projectedUnits, formatInt),
              projected(r.projectedAmount, formatMoney),
            ],
          })),
          foot: [
            // Filtered rows still add up to the whole quarter here: said so.
            t(accrualState.q || accrualState.program ? 'accrualQuarterTotal' : 'totalRow'),
            '',
            formatInt(a.total.units),
            formatMoney(a.total.amount),
            projected(a.total.projectedUnits, formatInt),
            projected(a.total.projectedAmount, formatMoney),
          ],
        })
      : message(accrualState.q || accrualState.program ? t('noAccrualMatches') : t('noPayouts'));
}

/** Spends credited points on a reward of the catalog (program managers and finance). */
export async function redeemForm(me, partnerId, rerender) {
  if (me.role !== 'finance' && me.role !== 'program') return null;
  const { rewards, quarter } = await api.rewards();
  const priced = rewards.filter((r) => r.points !== null);
  const select = h(
    'select',
    { id: 'reward', name: 'reward', required: true },
    priced.map((r) => h('option', { value: r.id }, tp('rewardOption', r.points, { name: rewardLabel(r) }))),
  );
  return h(
    'form',
    {
      class: 'redeem',
      'aria-labelledby': 'redeem-title',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const res = await api.redeem(partnerId, { rewardId: select.value, quarter });
          rerender({ text: tp('redeemed', res.balance), kind: 'info' });
        } catch (err) {
          rerender({ text: t('actionFailed', { message: errorText(err) }), kind: 'error' });
        }
      },
    },
    h('h3', { id: 'redeem-title' }, t('redeemTitle')),
    h('label', { for: 'reward' }, t('rewardLabel')),
    select,
    h('button', { type: 'submit' }, t('redeem')),
  );
}
