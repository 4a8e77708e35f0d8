/**
 * The overview's watchlist: partners within reach of a plan (GET /quarters/{q}/watchlist, scoped by
 * the API), most RUB at stake first, with what stands in the way besides the units. A page at a
 * time, sorted, filtered and searched by the API, like the partners list.
 */
import { api } from '../api.js';
import { codeLabel, errorText } from '../codes.js';
import { h, message, table } from '../dom.js';
import { formatInstant, formatInt, formatMoney, t } from '../i18n.js';
import { filterSelect, markSorted, PAGE_SIZES, reloadInto, sortHeader } from '../paged-list.js';
import { pager } from '../pager.js';
import { searchField } from '../search-field.js';

export function blockerText(b) {
  switch (b.code) {
    case 'partner-not-registered':
      return t('wlBlockRegistered');
    case 'acceptance-missing':
      return t('wlBlockAcceptance');
    case 'acceptance-late':
      return t('wlBlockLate', { at: formatInstant(b.acceptedAt) });
    case 'training-missing':
      return t('wlBlockTraining', {
        courses: b.courses.map((group) => group.join(` ${t('wlOr')} `)).join('; '),
      });
    default:
      return b.code;
  }
}

const STATES = new Map();
/** Per quarter, for this tab: coming back to the overview finds the list as it was left. */
function stateOf(q) {
  if (!STATES.has(q))
    STATES.set(q, { sort: 'amountAtStakeRub', order: 'desc', q: '', program: '', blocker: '', offset: 0, limit: 25 });
  return STATES.get(q);
}
const query = (s) => ({
  sort: s.sort,
  order: s.order,
  q: s.q,
  program: s.program,
  blocker: s.blocker,
  offset: s.offset,
  limit: s.limit,
});

export async function watchlistPanel(q) {
  const state = stateOf(q);
  let data;
  try {
    data = await api.watchlist(q, query(state));
  } catch (err) {
    // The overview stays usable when only the watchlist cannot be loaded.
    return h('section', { class: 'watchlist' }, message(t('wlFailed', { message: errorText(err) }), 'error'));
  }
  const area = h('div', { class: 'list-area', 'aria-live': 'polite' });
  const changed = () => {
    state.offset = 0;
    reload();
  };
  const reload = () =>
    reloadInto(
      area,
      () => api.watchlist(q, query(state)),
      (next) => fill(next),
      (err) => message(t('wlFailed', { message: errorText(err) }), 'error'),
    );
  const fill = (d) => {
    // The list got shorter since this page was chosen: start again from the first.
    if (!d.partners.length && d.page.offset > 0) {
      changed();
      return;
    }
    if (!d.page.total) {
      area.replaceChildren(message(d.programs.length ? t('wlNoMatches') : t('wlEmpty')));
      return;
    }
    area.replaceChildren(
      h('div', { class: 'table-scroll' }, watchTable(q, d, state, changed)),
      pager(
        d.page,
        (offset) => {
          state.offset = offset;
          reload();
        },
        { ends: true },
      ),
    );
  };
  fill(data);
  return h(
    'section',
    { class: 'watchlist', 'aria-labelledby': 'watchlist-title' },
    h('h2', { id: 'watchlist-title' }, t('wlTitle')),
    h('p', { class: 'meta' }, t('wlIntro')),
    // Without anyone within reach there is nothing to search.
    data.programs.length ? controls(state, data, changed) : null,
    area,
  );
}

function controls(state, data, changed) {
  return h(
    'form',
    { class: 'list-controls', role: 'search', onsubmit: (e) => (e.preventDefault(), changed()) },
    searchField('watchlist-search', t('wlSearch'), state, changed),
    filterSelect(
      'watchlist-program',
      t('colProgram'),
      state.program,
      [['', t('wlAllPrograms')], ...data.programs.map((p) => [p, codeLabel('program', p)])],
      (v) => (state.program = v),
      changed,
    ),
    filterSelect(
      'watchlist-blocker',
      t('wlColBlockers'),
      state.blocker,
      [
        ['', t('wlBlockerAny')],
        ['registration', t('wlBlockerRegistration')],
        ['acceptance', t('wlBlockerAcceptance')],
        ['training', t('wlBlockerTraining')],
        ['none', t('wlBlockerNone')],
      ],
      (v) => (state.blocker = v),
      changed,
    ),
    filterSelect(
      'watchlist-page-size',
      t('wlPageSize'),
      String(state.limit),
      PAGE_SIZES.map((n) => [String(n), formatInt(n)]),
      (v) => (state.limit = Number(v)),
      changed,
    ),
  );
}

function watchTable(q, data, state, changed) {
  const col = (label, key, numeric = false, first) => sortHeader(label, key, state, changed, { numeric, first });
  return markSorted(
    table({
      className: 'watchlist',
      columns: [
        col(t('colPartnerId'), 'partnerId'),
        col(t('colName'), 'name'),
        { label: t('colProgram') },
        col(t('wlColUnits'), 'units', true),
        { label: t('wlColTarget'), numeric: true },
        // The nearest to the plan first.
        col(t('wlColMissing'), 'missing', true, 'asc'),
        { label: t('wlColProjected'), numeric: true },
        col(t('wlColAtStake'), 'amountAtStakeRub', true),
        { label: t('wlColBlockers') },
      ],
      rows: data.partners.map((p) => ({
        cells: [
          h(
            'a',
            { href: `#/partner/${encodeURIComponent(q)}/${encodeURIComponent(p.partnerId)}` },
            p.partnerId,
          ),
          p.partnerName ?? '',
          codeLabel('program', p.program),
          formatInt(p.units),
          formatInt(p.target),
          formatInt(p.missing),
          formatInt(p.projectedUnits),
          formatMoney(p.amountAtStakeRub),
          p.blockers.length
            ? h(
                'ul',
                { class: 'reasons' },
                p.blockers.map((b) => h('li', {}, blockerText(b))),
              )
            : '—',
        ],
      })),
    }),
    state,
  );
}
