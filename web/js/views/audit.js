/**
 * The audit trail: every change, close, approval and export, newest first, with filters by
 * quarter, partner, user and dates. The filters live in the address (#/audit/quarter=…&actor=…),
 * so a filtered view can be shared.
 */
import { api } from '../api.js';
import { h, message, table } from '../dom.js';
import { formatInstant, t } from '../i18n.js';
import { loadQuarters } from './quarters.js';
import { fields } from './record-fields.js';

const FILTERS = ['quarter', 'partner', 'actor', 'from', 'to'];

/** What the entry is about: in the page's language when the server gave it so, else its recorded English. */
function target(e) {
  const text = e.targetText ?? e.target;
  const lang = e.targetText ? (e.targetLang ?? 'en') : 'en';
  return [h('span', { lang }, text), e.comment ? ` — ${e.comment}` : ''];
}

/** A report written straight into S3 says so, and from where, beside its writer. */
function wroteToS3(e) {
  const u = e.kind === 'report' ? e.after?.uploader : undefined;
  if (u?.via !== 's3') return '';
  return `, ${u.sourceIp ? t('auditViaS3From', { ip: u.sourceIp }) : t('auditViaS3')}`;
}

function filterForm(quarters, current, go) {
  const field = (name, label, control) =>
    h('p', { class: 'field inline' }, h('label', { for: `audit-${name}` }, label), control);
  const input = (name, type = 'text') =>
    h('input', { id: `audit-${name}`, name, type, value: current.get(name) ?? '' });
  const quarter = h(
    'select',
    { id: 'audit-quarter', name: 'quarter' },
    h('option', { value: '' }, t('filterAnyQuarter')),
    quarters.map((q) =>
      h('option', { value: q.quarter, selected: q.quarter === current.get('quarter') }, q.quarter),
    ),
  );
  return h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(e.target);
        const next = new URLSearchParams();
        for (const name of FILTERS) {
          const v = String(data.get(name) ?? '').trim();
          if (v) next.set(name, v);
        }
        go(`#/audit/${next.toString()}`);
      },
    },
    field('quarter', t('filterQuarter'), quarter),
    field('partner', t('filterPartner'), input('partner')),
    field('actor', t('filterActor'), input('actor')),
    field('from', t('filterFrom'), input('from', 'date')),
    field('to', t('filterTo'), input('to', 'date')),
    h('button', { type: 'submit' }, t('applyFilters')),
  );
}

export async function render({ params, go }) {
  const current = new URLSearchParams(params[0] ?? '');
  const filter = Object.fromEntries(FILTERS.map((k) => [k, current.get(k) ?? undefined]));
  const [quarters, { entries }] = await Promise.all([loadQuarters(), api.audit(filter)]);
  return h(
    'div',
    { class: 'page' },
    h('h1', {}, t('auditTitle')),
    h('p', { class: 'meta' }, t('auditIntro')),
    filterForm(quarters, current, go),
    entries.length
      ? table({
          className: 'audit',
          columns: [
            { label: t('colWhen') },
            { label: t('colWho') },
            { label: t('colAction') },
            { label: t('colTarget') },
            { label: t('colBefore') },
            { label: t('colAfter') },
          ],
          rows: entries.map((e) => ({
            cells: [
              formatInstant(e.at),
              [`${e.actor.sub} (${t(`role_${e.actor.role}`)})`, wroteToS3(e)],
              t(`akind_${e.kind}`),
              target(e),
              e.rowsHidden ? t('rowsHidden') : fields(e.before),
              e.rowsHidden ? '' : fields(e.after),
            ],
          })),
        })
      : message(t('noAudit')),
  );
}
