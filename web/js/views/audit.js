/**
 * The audit trail: every change, close, approval and export, newest first, with filters by
 * quarter, partner, user and dates. The filters live in the address (#/audit/quarter=…&actor=…),
 * so a filtered view can be shared. The trail comes a page at a time by cursor (no total: counting
 * would read it all); the pages turned through are remembered so Previous goes back one.
 */
import { api } from '../api.js';
import { reloadInto } from '../paged-list.js';
import { AUDIT_KINDS } from '../audit-kinds.js';
import { errorText } from '../codes.js';
import { h, message, table } from '../dom.js';
import { formatInstant, t } from '../i18n.js';
import { pager } from '../pager.js';
import { loadQuarters } from './quarters.js';
import { fields } from './record-fields.js';

const PAGE = 50;

const FILTERS = ['quarter', 'partner', 'actor', 'from', 'to', 'q', 'kind', 'order'];


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
  const kind = h(
    'select',
    { id: 'audit-kind', name: 'kind' },
    h('option', { value: '' }, t('auditAnyKind')),
    AUDIT_KINDS.map((k) => h('option', { value: k, selected: k === current.get('kind') }, t(`akind_${k}`))),
  );
  const order = h(
    'select',
    { id: 'audit-order', name: 'order' },
    h('option', { value: '' }, t('sortNewestFirst')),
    h('option', { value: 'asc', selected: current.get('order') === 'asc' }, t('sortOldestFirst')),
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
    field('q', t('auditSearch'), input('q', 'search')),
    field('kind', t('auditKind'), kind),
    field('order', t('sortLabel'), order),
    h('button', { type: 'submit' }, t('applyFilters')),
  );
}

export async function render({ params, go }) {
  const current = new URLSearchParams(params[0] ?? '');
  const filter = Object.fromEntries(FILTERS.map((k) => [k, current.get(k) ?? undefined]));
  // cursors[i]: the cursor of the i-th page after the first one turned to.
  const trail = { filter, cursors: [] };
  const area = h('div', { class: 'list-area' });
  const [quarters, data] = await Promise.all([loadQuarters(), api.audit({ ...filter, limit: PAGE })]);
  fill(area, trail, data);
  return h(
    'div',
    { class: 'page' },
    h('h1', {}, t('auditTitle')),
    h('p', { class: 'meta' }, t('auditIntro')),
    filterForm(quarters, current, go),
    area,
  );
}

function fill(area, trail, { entries, page }) {
  area.replaceChildren(
    entries.length ? auditTable(entries) : message(page.nextCursor ? t('auditReadOn') : t('noAudit')),
    trail.cursors.length || page.nextCursor
      ? pager(page, (_offset, which) => turn(area, trail, page, which), {
          ends: true,
          shown: entries.length,
          first: trail.cursors.length === 0,
        })
      : '',
  );
}

async function turn(area, trail, page, which) {
  if (which === 'next') trail.cursors.push(page.nextCursor);
  else if (which === 'prev') trail.cursors.pop();
  else trail.cursors = [];
  const cursor = trail.cursors.at(-1);
  await reloadInto(
    area,
    () => api.audit({ ...trail.filter, limit: PAGE, cursor }),
    (data) => fill(area, trail, data),
    (err) => message(t('loadFailed', { message: errorText(err) }), 'error'),
  );
}

function auditTable(entries) {
  return table({
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
        // The rebates command is no user with a role: the API words it in the reader's language.
        [e.actorText ?? `${e.actor.sub} (${t(`role_${e.actor.role}`)})`, wroteToS3(e)],
        t(`akind_${e.kind}`),
        target(e),
        e.rowsHidden ? t('rowsHidden') : fields(e.before),
        e.rowsHidden ? '' : fields(e.after),
      ],
    })),
  });
}
