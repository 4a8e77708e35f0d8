/**
 * The controls above a list paged by the API: a sort choice, and the form that holds it with
 * filterSelect (paged-list.js) and searchField (search-field.js). Used with pager.js.
 */
import { h } from './dom.js';
import { filterSelect } from './paged-list.js';

/** A sort and its direction as one choice (`date:desc`), so the list has one control for both. */
export function sortField(id, label, state, options, changed) {
  const set = (v) => ([state.sort, state.order] = v.split(':'));
  return filterSelect(id, label, `${state.sort}:${state.order}`, options, set, changed);
}

/** The controls' form: Enter in the search box asks at once instead of reloading the page. */
export function listControls(changed, ...fields) {
  return h(
    'form',
    { class: 'list-controls', role: 'search', onsubmit: (e) => (e.preventDefault(), changed()) },
    ...fields,
  );
}
