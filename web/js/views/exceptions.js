/**
 * The exceptions queue: report lines whose product could not be rated, grouped by product, so the
 * program manager can add catalog mappings.
 */
import { api } from '../api.js';
import { h, message, table } from '../dom.js';
import { formatInt, rejectReason, t } from '../i18n.js';
import { loadQuarters, pickQuarter, quarterSelect } from './quarters.js';

export async function render({ params, go }) {
  const quarters = await loadQuarters();
  const info = pickQuarter(quarters, params[0]);
  const q = info?.quarter;
  const { exceptions } = await api.exceptions(q);
  return h(
    'div',
    { class: 'page' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('exceptionsTitle')),
      quarters.length
        ? quarterSelect(quarters, q, (next) => go(`#/exceptions/${encodeURIComponent(next)}`))
        : null,
    ),
    h('p', { class: 'meta' }, t('exceptionsIntro')),
    exceptions.length
      ? table({
          columns: [
            { label: t('colCode') },
            { label: t('colDescription') },
            { label: t('colSku') },
            { label: t('colLines'), numeric: true },
            { label: t('colDistributors') },
            { label: t('colExample') },
          ],
          rows: exceptions.map((x) => ({
            cells: [
              h('span', { class: 'badge reason', title: x.code }, rejectReason(x.code)),
              x.description,
              x.sku || '—',
              formatInt(x.count),
              (x.distributors ?? []).join(', '),
              x.example ? t('exampleAt', { line: x.example.line, report: x.example.reportId }) : '',
            ],
          })),
        })
      : message(t('noExceptions')),
  );
}
