/**
 * The search box of a list: it writes what is typed to `state.q` and calls `changed` once typing
 * pauses, so a word typed fast asks the API once, not once a letter.
 */
import { h } from './dom.js';

const PAUSE_MS = 250;

export function searchField(id, label, state, changed) {
  let timer;
  return h(
    'p',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', {
      type: 'search',
      id,
      value: state.q,
      autocomplete: 'off',
      oninput: (e) => {
        state.q = e.target.value;
        clearTimeout(timer);
        timer = setTimeout(changed, PAUSE_MS);
      },
    }),
  );
}
