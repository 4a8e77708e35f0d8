/**
 * Quarter overview: status, totals, payouts by program and distributor, and the partners the
 * caller may see (the API scopes the lines), each linking to its partner page. Finance closes
 * the quarter and exports here.
 */
import { api } from '../api.js';
import { barChart } from '../chart.js';
import { h, message, table } from '../dom.js';
import { formatDay, formatInstant, formatInt, formatMoney, t } from '../i18n.js';
import { fromKopecks, toKopecks, totalsBy } from '../money.js';
import { accrualsPanel, adjustmentsSection, chooseView, chosenView, closedMark, totalsApart } from './finance.js';
import { loadQuarters, pickQuarter, quarterSelect } from './quarters.js';
import { watchlistPanel } from './watchlist-panel.js';

export async function render({ me, params, go, rerender }) {
  const quarters = await loadQuarters();
  const info = pickQuarter(quarters, params[0]);
  if (!info) return h('section', {}, h('h1', {}, t('navOverview')), message(t('noPayouts')));
  const q = info.quarter;
  const [data, watchlist] = await Promise.all([
    info.status === 'closed' ? api.payoutsView(q, chosenView()) : api.payouts(q),
    watchlistPanel(q),
  ]);
  const partners = groupByPartner(data.lines);
  const accruals = await accrualsPanel(me, q, data.status ?? info.status, rerender);
  // A close already asked for waits for a second finance user: say so instead of offering another.
  const pendingClose =
    me.role === 'finance' && (data.status ?? info.status) === 'open'
      ? (await api.approvals('pending')).approvals.find((a) => a.kind === 'close' && a.quarter === q)
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
    closedMark(data, (view) => chooseView(view, rerender)),
    h(
      'dl',
      { class: 'figures' },
      figure(t('totalPayouts'), formatMoney(data.total)),
      figure(t('partnersWithPayouts'), formatInt(partners.length)),
      figure(t('payoutLines'), formatInt(data.lines.length)),
    ),
    totalsApart(data),
    financeActions(me, q, data.status ?? info.status, rerender, pendingClose),
    adjustmentsSection(data),
    accruals,
    data.lines.length
      ? h(
          'div',
          { class: 'charts' },
          barChart(t('byProgram'), chartItems(totalsBy(data.lines, (l) => l.program))),
          barChart(t('byDistributor'), chartItems(totalsBy(data.lines, (l) => l.distributorId))),
        )
      : null,
    watchlist,
    h(
      'section',
      { 'aria-labelledby': 'partners-title' },
      h('h2', { id: 'partners-title' }, t('partnersTitle')),
      partners.length ? partnersTable(q, partners, data.total) : message(t('noPayouts')),
    ),
  );
}

const statusBadge = (status) => h('span', { class: `badge ${status}` }, t(`status_${status}`));
const figure = (label, value) => h('div', {}, h('dt', {}, label), h('dd', {}, value));
const chartItems = (totals) =>
  totals.map((x) => ({ label: x.key, value: Number(x.amount), text: formatMoney(x.amount) }));

function groupByPartner(lines) {
  const byId = new Map();
  for (const l of lines) {
    const p = byId.get(l.partnerId) ?? {
      id: l.partnerId,
      name: l.partnerName,
      region: l.region,
      programs: new Set(),
      lines: 0,
      kopecks: 0n,
    };
    p.programs.add(l.program);
    p.lines += 1;
    p.kopecks += toKopecks(l.amount);
    byId.set(l.partnerId, p);
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function partnersTable(q, partners, total) {
  return table({
    className: 'partners',
    columns: [
      { label: t('colPartnerId') },
      { label: t('colName') },
      { label: t('colRegion') },
      { label: t('colPrograms') },
      { label: t('colLines'), numeric: true },
      { label: t('colAmount'), numeric: true },
    ],
    rows: partners.map((p) => ({
      className: p.kopecks === 0n ? 'zero' : undefined,
      cells: [
        h('a', { href: `#/partner/${encodeURIComponent(q)}/${encodeURIComponent(p.id)}` }, p.id),
        p.name,
        p.region,
        [...p.programs].sort().join(', '),
        formatInt(p.lines),
        formatMoney(fromKopecks(p.kopecks)),
      ],
    })),
    foot: [
      t('totalRow'),
      '',
      '',
      '',
      formatInt(partners.reduce((n, p) => n + p.lines, 0)),
      formatMoney(total),
    ],
  });
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
            .catch((err) => rerender({ text: t('downloadFailed', { message: err.message }), kind: 'error' }));
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
      rerender({ text: t('actionFailed', { message: err.message }), kind: 'error' });
    }
  });
  return [
    h('button', { type: 'button', class: 'danger', onclick: () => dialog.showModal() }, t('closeQuarter')),
    dialog,
  ];
}
