/**
 * Payments (issue #14, point 5), finance: record a payment per partner × distributor of a closed
 * quarter (date, reference, amount) and see those recorded, with who recorded them. The pairs come
 * from the quarter's frozen payout lines, what is still unpaid first, with the amount due prefilled.
 * Amounts stay decimal strings (money.js), never floats. The export marks what is paid. More than
 * is outstanding is asked about before it is sent, never refused: the API accepts overpayments.
 */
import { api } from '../api.js';
import { reloadInto } from '../paged-list.js';
import { codeLabel, errorText } from '../codes.js';
import { h, message, table } from '../dom.js';
import { formatDay, formatInstant, formatMoney, t } from '../i18n.js';
import { fromKopecks, sumAmounts, toKopecks } from '../money.js';
import { listControls, sortField } from '../list-controls.js';
import { pager } from '../pager.js';
import { searchField } from '../search-field.js';
import { loadQuarters, quarterSelect } from './quarters.js';

const PAGE = 25;
/** Where the list of recorded payments stands: kept across visits of the same quarter. */
const listState = { quarter: null, q: '', sort: 'partner', order: 'asc', offset: 0 };

const pairKey = (partnerId, distributorId) => JSON.stringify([partnerId, distributorId]);

/** Today on Moscow time (UTC+3, no daylight saving), YYYY-MM-DD: the program's calendar day. */
export const moscowToday = (now = Date.now()) => new Date(now + 3 * 3600_000).toISOString().slice(0, 10);

/**
 * What each partner × distributor of the quarter is due, has been paid and has outstanding
 * (strings with 2 places), unpaid first and then by partner and distributor; pairs due nothing left out.
 */
export function payablePairs(lines, payments) {
  const pairs = new Map();
  for (const l of lines) {
    const k = pairKey(l.partnerId, l.distributorId);
    const p = pairs.get(k) ?? { partnerId: l.partnerId, distributorId: l.distributorId, name: l.partnerName, due: 0n, paid: 0n };
    p.due += toKopecks(l.amount);
    pairs.set(k, p);
  }
  for (const p of payments) {
    const pair = pairs.get(pairKey(p.partnerId, p.distributorId));
    if (pair) pair.paid += toKopecks(p.amount);
  }
  return [...pairs.values()]
    .filter((p) => p.due > 0n)
    .map((p) => ({ ...p, outstanding: p.due - p.paid }))
    .sort((a, b) => {
      const unpaid = (p) => (p.outstanding > 0n ? 0 : 1);
      return (
        unpaid(a) - unpaid(b) ||
        a.partnerId.localeCompare(b.partnerId, 'en') ||
        a.distributorId.localeCompare(b.distributorId, 'en')
      );
    })
    .map((p) => ({ ...p, due: fromKopecks(p.due), paid: fromKopecks(p.paid), outstanding: fromKopecks(p.outstanding) }));
}

/** The form's values checked as the API will check them; `{ body }` or `{ error }` (a label key). */
export function checkPayment({ pair, date, reference, amount }, today = moscowToday()) {
  if (!pair) return { error: 'payPickPair' };
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  // A real calendar day: 2016-02-30 is not one.
  const real = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toISOString().slice(0, 10) === date;
  if (!real) return { error: 'payBadDate' };
  if (date > today) return { error: 'payFutureDate' };
  if (!reference?.trim()) return { error: 'payNoReference' };
  if (reference.trim().length > 100) return { error: 'payLongReference' };
  // A comma is the Russian decimal mark; spaces group thousands.
  const written = String(amount ?? '').replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(written)) return { error: 'payBadAmount' };
  const kopecks = toKopecks(written);
  if (kopecks <= 0n) return { error: 'payZeroAmount' };
  return {
    body: {
      partnerId: pair.partnerId,
      distributorId: pair.distributorId,
      date,
      reference: reference.trim(),
      amount: fromKopecks(kopecks),
    },
  };
}

export async function render({ me, params, go, rerender }) {
  const title = h('h1', {}, t('paymentsTitle'));
  if (me.role !== 'finance' && me.role !== 'program')
    return h('section', {}, title, message(t('forbidden', { message: t('error_forbidden') }), 'error'));
  const quarters = await loadQuarters();
  const closed = quarters.filter((q) => q.status === 'closed');
  // Payments are against what a closed quarter froze; the last closed one unless another is named.
  const info = quarters.find((q) => q.quarter === params[0]) ?? closed.at(-1) ?? quarters.at(-1);
  if (!info) return h('section', {}, title, message(t('noPayouts')));
  const q = info.quarter;
  if (listState.quarter !== q) Object.assign(listState, { quarter: q, q: '', offset: 0 });
  // The form needs every payment to work out what is outstanding; the list below is read a page at a time.
  const payable = me.role === 'finance' && info.status === 'closed';
  const [all, payouts, first] = await Promise.all([
    payable ? api.payments(q) : Promise.resolve(null),
    payable ? api.payoutsView(q, undefined) : Promise.resolve(null),
    api.paymentList(q, listQuery()),
  ]);
  const pairs = payouts && all ? payablePairs(payouts.lines, all.payments) : [];

  return h(
    'div',
    { class: 'page payments-page' },
    h(
      'div',
      { class: 'page-head' },
      title,
      quarterSelect(quarters, q, (next) => go(`#/payments/${encodeURIComponent(next)}`)),
    ),
    h('p', { class: 'meta' }, t('paymentsIntro')),
    me.role !== 'finance'
      ? null
      : info.status !== 'closed'
        ? message(t('payQuarterOpen', { q }))
        : pairs.length
          ? paymentForm(q, pairs, rerender)
          : message(t('payNothingDue', { q })),
    paymentsList(q, first),
  );
}

const listQuery = () => ({
  q: listState.q,
  sort: listState.sort,
  order: listState.order,
  offset: listState.offset,
  limit: PAGE,
});

function paymentForm(q, pairs, rerender) {
  // Sent again with a retried click, it records the payment once.
  const paymentId = crypto.randomUUID();
  const status = h('div', { 'aria-live': 'polite' });
  /** The values an overpayment was confirmed for: other values are asked about again. */
  let confirmedOver = null;
  const field = (id, label, control, help) =>
    h('p', { class: 'field' }, h('label', { for: id }, label), control, help ? h('span', { class: 'help', id: `${id}-help` }, help) : null);
  const pairSelect = h(
    'select',
    { id: 'pay-pair', name: 'pair', required: true },
    pairs.map((p, i) =>
      h(
        'option',
        { value: String(i) },
        t(p.outstanding === '0.00' ? 'payPairPaid' : 'payPairOption', {
          partner: p.partnerId,
          name: p.name ?? '',
          distributor: p.distributorId,
          due: formatMoney(p.due),
          outstanding: formatMoney(p.outstanding),
        }),
      ),
    ),
  );
  const amount = h('input', {
    id: 'pay-amount',
    name: 'amount',
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    required: true,
    'aria-describedby': 'pay-amount-help',
  });
  // On a phone the option is cut short: the figures of the chosen pair are said below it too.
  const figures = h('span', { class: 'help', id: 'pay-pair-help' });
  pairSelect.setAttribute('aria-describedby', 'pay-pair-help');
  const prefill = () => {
    const p = pairs[Number(pairSelect.value)];
    amount.value = p ? (p.outstanding === '0.00' ? '' : p.outstanding) : '';
    figures.textContent = p
      ? t('payPairFigures', { due: formatMoney(p.due), paid: formatMoney(p.paid), outstanding: formatMoney(p.outstanding) })
      : '';
  };
  pairSelect.addEventListener('change', prefill);
  prefill();
  const date = h('input', { id: 'pay-date', name: 'date', type: 'date', required: true, value: moscowToday(), max: moscowToday(), 'aria-describedby': 'pay-date-help' });
  const reference = h('input', { id: 'pay-reference', name: 'reference', type: 'text', maxlength: '100', required: true, autocomplete: 'off' });
  const form = h(
    'form',
    {
      class: 'payment',
      'aria-labelledby': 'pay-title',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        const checked = checkPayment({
          pair: pairs[Number(pairSelect.value)],
          date: date.value,
          reference: reference.value,
          amount: amount.value,
        });
        if (checked.error) return status.replaceChildren(message(t(checked.error), 'error'));
        // More than is outstanding may be right (an advance, a correction paid early): asked, not refused.
        const pair = pairs[Number(pairSelect.value)];
        const over = overpayment(pair, checked.body.amount);
        if (over && confirmedOver !== JSON.stringify(checked.body))
          return status.replaceChildren(
            overpaymentWarning(pair, checked.body.amount, over, {
              confirm: () => {
                confirmedOver = JSON.stringify(checked.body);
                form.requestSubmit();
              },
              change: () => {
                status.replaceChildren();
                amount.focus();
                amount.select();
              },
            }),
          );
        const button = form.querySelector('button[type=submit]');
        button.disabled = true;
        status.replaceChildren(message(t('paySaving')));
        try {
          const res = await api.recordPayment({ quarter: q, paymentId, ...checked.body });
          const p = res.payment;
          rerender({
            text: t('payRecorded', { amount: formatMoney(p.amount), partner: p.partnerId, distributor: p.distributorId, q }),
            kind: 'info',
          });
        } catch (err) {
          status.replaceChildren(message(t('actionFailed', { message: errorText(err) }), 'error'));
          button.disabled = false;
        }
      },
    },
    h('h2', { id: 'pay-title' }, t('payFormTitle', { q })),
    h('p', { class: 'field' }, h('label', { for: 'pay-pair' }, t('payPair')), pairSelect, figures),
    field('pay-date', t('payDate'), date, t('payDateHelp')),
    field('pay-reference', t('payReference'), reference),
    field('pay-amount', t('payAmount'), amount, t('payAmountHelp')),
    h('p', { class: 'buttons' }, h('button', { type: 'submit' }, t('payRecord'))),
    status,
  );
  return form;
}

/** How much `amount` is more than what is outstanding for `pair` (a 2-place string), or null. */
export function overpayment(pair, amount) {
  const over = toKopecks(amount) - toKopecks(pair.outstanding);
  return over > 0n ? fromKopecks(over) : null;
}

/** The question asked before recording more than is outstanding, with its two answers. */
function overpaymentWarning(pair, amount, over, { confirm, change }) {
  const figures = {
    amount: formatMoney(amount),
    over: formatMoney(over),
    partner: pair.partnerId,
    distributor: pair.distributorId,
    due: formatMoney(pair.due),
    paid: formatMoney(pair.paid),
    outstanding: formatMoney(pair.outstanding),
  };
  return h(
    'div',
    { class: 'message caution overpayment', role: 'alert' },
    h('p', {}, t(pair.outstanding === '0.00' ? 'payOverPaidInFull' : 'payOverOutstanding', figures)),
    h('p', {}, t('payOverAsk')),
    h(
      'p',
      { class: 'buttons' },
      h('button', { type: 'button', onclick: confirm }, t('payOverConfirm', figures)),
      h('button', { type: 'button', class: 'secondary', onclick: change }, t('payOverChange')),
    ),
  );
}

/** "finance fin-anna" as recorded: the role in the reader's language, then the user. */
function recordedBy(text) {
  const [role, ...rest] = String(text ?? '').split(' ');
  return rest.length ? `${rest.join(' ')} (${codeLabel('role', role)})` : String(text ?? '');
}

/** The recorded payments, a page at a time from the API, with search and sort. */
function paymentsList(q, first) {
  const area = h('div', { class: 'list-area', 'aria-live': 'polite' });
  const reload = () =>
    reloadInto(
      area,
      () => api.paymentList(q, listQuery()),
      (data) => fill(data),
      (err) => message(t('loadFailed', { message: errorText(err) }), 'error'),
    );
  const changed = () => {
    listState.offset = 0;
    reload();
  };
  const fill = (data) =>
    area.replaceChildren(
      paymentsTable(data.payments, data.total),
      data.page.total > data.page.limit
        ? pager(data.page, (offset) => {
            listState.offset = offset;
            reload();
          })
        : '',
    );
  fill(first);
  return h(
    'section',
    { class: 'payments', 'aria-labelledby': 'payments-list-title' },
    h('h2', { id: 'payments-list-title' }, t('paymentsListTitle')),
    listControls(
      changed,
      searchField('payment-search', t('searchPayments'), listState, changed),
      sortField(
        'payment-sort',
        t('sortLabel'),
        listState,
        [
          ['partner:asc', t('sortPaymentPartner')],
          ['date:desc', t('sortNewestFirst')],
          ['date:asc', t('sortOldestFirst')],
          ['amount:desc', t('sortLargestFirst')],
          ['amount:asc', t('sortSmallestFirst')],
        ],
        changed,
      ),
    ),
    area,
  );
}

function paymentsTable(payments, total) {
  return payments.length
      ? h(
          'div',
          { class: 'table-scroll' },
          table({
            className: 'payments-table',
            columns: [
              { label: t('colPartnerId') },
              { label: t('colDistributor') },
              { label: t('payDate') },
              { label: t('payReference') },
              { label: t('colAmount'), numeric: true },
              { label: t('payRecordedBy') },
              { label: t('payRecordedAt') },
            ],
            rows: payments.map((p) => ({
              cells: [
                p.partnerId,
                p.distributorId,
                formatDay(p.date),
                p.reference,
                formatMoney(p.amount),
                recordedBy(p.recordedBy),
                formatInstant(p.recordedAt),
              ],
            })),
            // The money of every payment matched, not only of this page.
            foot: [t('totalRow'), '', '', '', formatMoney(total ?? sumAmounts(payments, (p) => p.amount)), '', ''],
          }),
        )
      : message(listState.q ? t('noPaymentMatches') : t('noPaymentsYet'));
}
