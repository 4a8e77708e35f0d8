/**
 * The pager under a paged list: previous and next (and, with `ends`, first and last) around
 * "from–to of total". `go(offset, which)` loads the page that starts there. A list paged by
 * cursor has no total (`page.total` null): it shows "from–to" of the `shown` items, no last page.
 */
import { h } from './dom.js';
import { formatInt, t } from './i18n.js';

export function pager(page, go, { ends = false, shown, first } = {}) {
  const open = page.total === null || page.total === undefined;
  const last = Math.max(0, Math.floor((page.total - 1) / page.limit) * page.limit);
  // Labels are looked up here, by name, so the labels test sees them asked for.
  // `go` learns which button too: a list paged by cursor steps back by its own record, not by offset.
  const button = (label, disabled, offset, which) =>
    h('button', { type: 'button', class: 'secondary', disabled, onclick: () => go(offset, which) }, label);
  // A cursor-paged list says itself whether it is on its first page (a short page moves no offset).
  const atStart = first ?? page.offset === 0;
  const atEnd = !page.nextCursor;
  return h(
    'nav',
    { class: 'pager', 'aria-label': t('pagerLabel') },
    ends ? button(t('firstPage'), atStart, 0, 'first') : null,
    button(t('prevPage'), atStart, Math.max(0, page.offset - page.limit), 'prev'),
    h(
      'span',
      { class: 'pager-status' },
      open
        ? t('pageStatusOpen', {
            from: formatInt(Math.min(page.offset + 1, page.offset + (shown ?? page.limit))),
            to: formatInt(page.offset + (shown ?? page.limit)),
          })
        : t('pageStatus', {
            from: formatInt(page.offset + 1),
            to: formatInt(Math.min(page.offset + page.limit, page.total)),
            total: formatInt(page.total),
          }),
    ),
    button(t('nextPage'), atEnd, page.offset + page.limit, 'next'),
    ends && !open ? button(t('lastPage'), atEnd, last, 'last') : null,
  );
}
