/**
 * Pieces of a list paged, sorted and searched on the server, as the partners list has them
 * (overview.js): column headers that sort, a filter select, and an area that a later load wins.
 * The watchlist panel and the exceptions groups use them.
 */
import { h } from './dom.js';

export const PAGE_SIZES = [10, 25, 50, 100, 200];

/**
 * A sortable column's header: a first click sorts big figures first (numeric columns) or A to Z,
 * a second click turns the order. `changed` reloads the list from its first page.
 */
export function sortHeader(label, key, state, changed, { numeric = false, first } = {}) {
  const active = state.sort === key;
  return {
    label: h(
      'button',
      {
        type: 'button',
        class: 'sort',
        'data-sort': key,
        onclick: () => {
          state.order = active ? (state.order === 'asc' ? 'desc' : 'asc') : (first ?? (numeric ? 'desc' : 'asc'));
          state.sort = key;
          changed();
        },
      },
      label,
      active ? h('span', { 'aria-hidden': 'true' }, state.order === 'asc' ? ' ▲' : ' ▼') : null,
    ),
    numeric,
  };
}

/** Screen readers hear which column a table is sorted by. */
export function markSorted(tableEl, state) {
  tableEl.querySelectorAll('thead th').forEach((th) => {
    if (th.querySelector('button.sort')?.dataset.sort === state.sort)
      th.setAttribute('aria-sort', state.order === 'asc' ? 'ascending' : 'descending');
  });
  return tableEl;
}

/** A labelled choice: `options` are `[value, text]` pairs; a choice runs `set(value)`, then `changed()`. */
export function filterSelect(id, label, value, options, set, changed) {
  return h(
    'p',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, onchange: (e) => (set(e.target.value), changed()) },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    ),
  );
}

/**
 * Loads into `area` what `load()` answers and `fill(answer)` draws; a later load wins over an
 * earlier one still running, and a failure says so in the area.
 */
export async function reloadInto(area, load, fill, failed) {
  const n = (area.loads = (area.loads ?? 0) + 1);
  area.setAttribute('aria-busy', 'true');
  try {
    const data = await load();
    if (n === area.loads) fill(data);
  } catch (err) {
    if (n === area.loads) area.replaceChildren(failed(err));
  } finally {
    if (n === area.loads) area.removeAttribute('aria-busy');
  }
}
