/**
 * The pager under a paged list: previous and next (and, with `ends`, first and last) around
 * "from–to of total". `go(offset)` loads the page that starts there.
 */
import { h } from './dom.js';
import { formatInt, t } from './i18n.js';

export function pager(page, go, { ends = false } = {}) {
  const last = Math.max(0, Math.floor((page.total - 1) / page.limit) * page.limit);
  // Labels are looked up here, by name, so the labels test sees them asked for.
  const button = (label, disabled, offset) =>
    h('button', { type: 'button', class: 'secondary', disabled, onclick: () => go(offset) }, label);
  const atStart = page.offset === 0;
  const atEnd = !page.nextCursor;
  return h(
    'nav',
    { class: 'pager', 'aria-label': t('pagerLabel') },
    ends ? button(t('firstPage'), atStart, 0) : null,
    button(t('prevPage'), atStart, Math.max(0, page.offset - page.limit)),
    h(
      'span',
      { class: 'pager-status' },
      t('pageStatus', {
        from: formatInt(page.offset + 1),
        to: formatInt(Math.min(page.offset + page.limit, page.total)),
        total: formatInt(page.total),
      }),
    ),
    button(t('nextPage'), atEnd, page.offset + page.limit),
    ends ? button(t('lastPage'), atEnd, last) : null,
  );
}
