/**
 * Quarter overview: status, totals, payouts by program and distributor, and the partners the
 * caller may see (the API scopes them), each linking to its partner page: a page at a time, sorted,
 * filtered and searched by the API (GET /quarters/{q}/partners), so 10,000 partners stay fast.
 * Finance closes the quarter and exports here.
 */
import { api } from '../api.js';
import { barChart } from '../chart.js';
import { h, message, table } from '../dom.js';
import { codeLabel, errorText } from '../codes.js';
import { formatDay, formatInstant, formatInt, formatMoney, t } from '../i18n.js';
import { toKopecks } from '../money.js';
import { filterSelect, reloadInto, sortHeader as pagedSortHeader } from '../paged-list.js';
import { pager } from '../pager.js';
import { searchField } from '../search-field.js';
import { tp } from '../plural.js';
import { accrualsPanel, adjustmentsSection, chooseView, chosenView, closedMark, totalsApart } from './finance.js';
import { loadQuarters, pickQuarter, quarterSelect } from './quarters.js';
import { watchlistPanel } from './watchlist-panel.js';

export async function render({ me, params, go, rerender }) {
  const quarters = await loadQuarters();
  const info = pickQuarter(quarters, params[0]);
  if (!info) return h('section', {}, h('h1', {}, t('navOverview')), message(t('noPayouts')));
  const q = info.quarter;
  const state = listState(q);
  // The list is paged by the API; the quarter's own figures (closed mark, adjustments, totals apart)
  // come with one line of the payouts answer.
  const [data, summary, watchlist] = await Promise.all([
    api.partnerList(q, query(state)),
    info.status === 'closed' ? api.payoutsView(q, chosenView(), { limit: 1 }) : api.payouts(q, { limit: 1 }),
    // A closed quarter has no plan left to reach: its figures are the snapshot's.
    info.status === 'closed' ? null : watchlistPanel(q),
  ]);
  const listArea = h('div', { class: 'list-area', 'aria-live': 'polite' });
  fillList(listArea, q, state, data);
  const accruals = await accrualsPanel(me, q, data.status ?? info.status, rerender);
  // A close already asked for waits for a second finance user: say so instead of offering another.
  const pendingClose =
    me.role === 'finance' && (data.status ?? info.status) === 'open'
      ? (await api.approvals({ status: 'pending', q, limit: 500 })).approvals.find((a) => a.kind === 'close' && a.quarter === q)
      : undefined;

  return h(
    'div',
    { class: 'page' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('quarterTitle', { q }), ' ', statusBadge(data.status ?? info.status)),
      quarterSelect(quarters, q, (next) => go(`#/overview/${encodeURIComponent(next)}`)),
    ),
    h(
      'p',
      { class: 'meta' },
      t('period', { first: formatDay(info.firstDay), last: formatDay(info.lastDay) }),
      ' · ',
      t('rulesVersion', { v: info.rulesVersion }),
      info.closedAt ? ` · ${t('closedOn', { at: formatInstant(info.closedAt) })}` : '',
    ),
    closedMark(summary, (view) => chooseView(view, rerender)),
    h(
      'dl',
      { class: 'figures' },
      // A closed quarter's total is the view asked for (frozen, or its pending corrections).
      figure(t('totalPayouts'), formatMoney(summary.status === 'closed' ? summary.total : data.totals.amount)),
      figure(t('partnersWithPayouts'), formatInt(data.totals.partners)),
      figure(t('payoutLines'), formatInt(data.totals.lines)),
    ),
    totalsApart(summary),
    financeActions(me, q, data.status ?? info.status, rerender, pendingClose),
    adjustmentsSection(summary),
    accruals,
    data.totals.lines
      ? h(
          'div',
          { class: 'charts' },
          barChart(t('byProgram'), chartItems(data.totals.byProgram, (k) => codeLabel('program', k))),
          barChart(t('byDistributor'), chartItems(data.totals.byDistributor, (k) => k)),
        )
      : null,
    watchlist,
    h(
      'section',
      { 'aria-labelledby': 'partners-title' },
      h('h2', { id: 'partners-title' }, t('partnersTitle')),
      data.totals.partners ? listControls(q, state, data, listArea) : null,
      listArea,
    ),
  );
}

const statusBadge = (status) => h('span', { class: `badge ${status}` }, t(`status_${status}`));
const figure = (label, value) => h('div', {}, h('dt', {}, label), h('dd', {}, value));
const chartItems = (totals, labelOf) =>
  totals.map((x) => ({ label: labelOf(x.key), value: Number(x.amount), text: formatMoney(x.amount) }));

// ---------------------------------------------------------------- the partners list (paged on the server)

const PAGE_SIZES = [10, 25, 50, 100, 200];
/** Per quarter, for this tab: coming back from a partner page finds the list as it was left. */
const states = new Map();
function listState(q) {
  if (!states.has(q))
    states.set(q, { sort: 'partner', order: 'asc', q: '', region: '', status: '', offset: 0, limit: 50 });
  return states.get(q);
}
const query = (s) => ({
  sort: s.sort,
  order: s.order,
  q: s.q,
  region: s.region,
  status: s.status,
  offset: s.offset,
  limit: s.limit,
});

/** Loads the page `state` names into `area`; a later load wins over an earlier one still running. */
function reload(area, q, state) {
  return reloadInto(
    area,
    () => api.partnerList(q, query(state)),
    (data) => fillList(area, q, state, data),
    (err) => message(t('loadFailed', { message: errorText(err) }), 'error'),
  );
}

function listControls(q, state, data, area) {
  const changed = () => {
    state.offset = 0;
    reload(area, q, state);
  };
  const select = (id, label, value, options, set) => filterSelect(id, label, value, options, set, changed);
  return h(
    'form',
    { class: 'list-controls', role: 'search', onsubmit: (e) => (e.preventDefault(), changed()) },
    searchField('partner-search', t('searchPartners'), state, changed),
    select(
      'filter-region',
      t('colRegion'),
      state.region,
      [['', t('allRegions')], ...data.totals.regions.map((r) => [r, codeLabel('region', r)])],
      (v) => (state.region = v),
    ),
    select(
      'filter-status',
      t('colPartnerStatus'),
      state.status,
      [['', t('allStatuses')], ...['Registered', 'Preferred'].map((s) => [s, codeLabel('pstatus', s)])],
      (v) => (state.status = v),
    ),
    select(
      'page-size',
      t('pageSize'),
      String(state.limit),
      PAGE_SIZES.map((n) => [String(n), formatInt(n)]),
      (v) => (state.limit = Number(v)),
    ),
  );
}

function fillList(area, q, state, data) {
  if (!data.page.total) {
    area.replaceChildren(message(data.totals.partners ? t('noMatches') : t('noPayouts')));
    return;
  }
  area.replaceChildren(
    h('div', { class: 'table-scroll' }, partnersTable(q, state, data, area)),
    pager(
      data.page,
      (offset) => {
        state.offset = offset;
        reload(area, q, state);
      },
      { ends: true },
    ),
  );
}

function sortHeader(label, key, state, q, area, numeric) {
  // Big figures first, except units to plan: the nearest to a plan first.
  const first = numeric && key !== 'unitsToPlan' ? 'desc' : 'asc';
  const changed = () => {
    state.offset = 0;
    reload(area, q, state);
  };
  return pagedSortHeader(label, key, state, changed, { numeric, first });
}

function partnersTable(q, state, data, area) {
  const col = (label, key, numeric = false) => sortHeader(label, key, state, q, area, numeric);
  const el = table({
    className: 'partners',
    columns: [
      col(t('colPartnerId'), 'partner'),
      col(t('colName'), 'name'),
      col(t('colRegion'), 'region'),
      { label: t('colPrograms') },
      col(t('colUnits'), 'units', true),
      col(t('colUnitsToPlan'), 'unitsToPlan', true),
      col(t('colLines'), 'lines', true),
      col(t('colAmount'), 'total', true),
    ],
    rows: data.partners.map((p) => ({
      className: toKopecks(p.amount) === 0n ? 'zero' : undefined,
      cells: [
        h('a', { href: `#/partner/${encodeURIComponent(q)}/${encodeURIComponent(p.partnerId)}` }, p.partnerId),
        p.name ?? '',
        p.region ? codeLabel('region', p.region) : '',
        p.programs.map((x) => codeLabel('program', x)).join(', '),
        formatInt(p.units),
        p.unitsToPlan
          ? h(
              'span',
              { title: codeLabel('program', p.unitsToPlan.program) },
              t('unitsToPlanCell', { n: formatInt(p.unitsToPlan.units), plan: formatInt(p.unitsToPlan.plan) }),
            )
          : '–',
        formatInt(p.lines),
        formatMoney(p.amount),
      ],
    })),
    foot: [tp('matched', data.page.total), '', '', '', '', '', '', formatMoney(data.matchedAmount)],
  });
  // Screen readers hear which column the list is sorted by.
  el.querySelectorAll('thead th').forEach((th) => {
    const sort = th.querySelector('button.sort')?.dataset.sort;
    if (sort === state.sort) th.setAttribute('aria-sort', state.order === 'asc' ? 'ascending' : 'descending');
  });
  return el;
}

function financeActions(me, q, status, rerender, pendingClose) {
  if (me.role !== 'finance' && me.role !== 'program') return null;
  const download = (format) =>
    h(
      'a',
      {
        class: 'button secondary',
        href: api.exportPath(q, format),
        onclick: (e) => {
          e.preventDefault();
          api
            .download(api.exportPath(q, format), `payouts-${q}.${format}`)
            .catch((err) => rerender({ text: t('downloadFailed', { message: errorText(err) }), kind: 'error' }));
        },
      },
      t(format === 'csv' ? 'exportCsv' : 'exportXlsx'),
    );
  return h(
    'section',
    { class: 'actions', 'aria-labelledby': 'finance-title' },
    h('h2', { id: 'finance-title', class: 'visually-hidden' }, t('financeTitle')),
    download('csv'),
    download('xlsx'),
    me.role === 'finance' && status === 'open' && !pendingClose ? closeButton(q, rerender) : null,
    pendingClose
      ? h(
          'p',
          { class: 'meta' },
          t('closePending', {
            sub: pendingClose.requestedBy.sub,
            at: formatInstant(pendingClose.requestedAt),
            total: formatMoney(pendingClose.total),
          }),
          ' ',
          h('a', { href: '#/approvals' }, t('navApprovals')),
        )
      : null,
  );
}

function closeButton(q, rerender) {
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'close-title', 'aria-describedby': 'close-text' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'close-title' }, t('closeConfirmTitle', { q })),
      h('p', { id: 'close-text' }, t('closeConfirmText'), ' ', t('closeNeedsApproval')),
      h(
        'p',
        { class: 'buttons' },
        h('button', { value: 'cancel', class: 'secondary', autofocus: true }, t('cancel')),
        h('button', { value: 'close', class: 'danger' }, t('closeConfirm', { q })),
      ),
    ),
  );
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'close') return;
    try {
      const { approval } = await api.closeQuarter(q);
      rerender({ text: t('closeRequested', { q, total: formatMoney(approval.total) }), kind: 'info' });
    } catch (err) {
      rerender({ text: t('actionFailed', { message: errorText(err) }), kind: 'error' });
    }
  });
  return [
    h('button', { type: 'button', class: 'danger', onclick: () => dialog.showModal() }, t('closeQuarter')),
    dialog,
  ];
}
