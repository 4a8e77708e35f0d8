/**
 * The controls above a list paged by the API: a labelled choice that writes `state[key]` and asks
 * for the list again from its first page. Used with searchField (search-field.js) and pager.js.
 */
import { h } from './dom.js';

/** `options`: `[value, text]` pairs; `changed()` runs after `state[key]` is set. */
export function choiceField(id, label, state, key, options, changed) {
  return h(
    'p',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      {
        id,
        onchange: (e) => {
          state[key] = e.target.value;
          changed();
        },
      },
      options.map(([v, text]) => h('option', { value: v, selected: v === String(state[key] ?? '') }, text)),
    ),
  );
}

/** A sort and its direction as one choice (`date:desc`), so the list has one control for both. */
export function sortField(id, label, state, options, changed) {
  const both = { sortOrder: `${state.sort}:${state.order}` };
  return choiceField(id, label, both, 'sortOrder', options, () => {
    [state.sort, state.order] = both.sortOrder.split(':');
    changed();
  });
}

/** The controls' form: Enter in the search box asks at once instead of reloading the page. */
export function listControls(changed, ...fields) {
  return h(
    'form',
    { class: 'list-controls', role: 'search', onsubmit: (e) => (e.preventDefault(), changed()) },
    ...fields,
  );
}
