/**
 * The quarter picker shared by the overview and the exceptions queue. The choice is remembered;
 * without one, the earliest open quarter (the one being worked on) is shown.
 */
import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

const KEY = 'rebates.quarter';

export async function loadQuarters() {
  return (await api.quarters()).quarters.slice().sort((a, b) => a.quarter.localeCompare(b.quarter));
}

export function pickQuarter(quarters, wanted) {
  const known = (q) => quarters.find((x) => x.quarter === q);
  const chosen =
    known(wanted) ??
    known(localStorage.getItem(KEY)) ??
    quarters.find((q) => q.status === 'open') ??
    quarters.at(-1);
  if (chosen) localStorage.setItem(KEY, chosen.quarter);
  return chosen;
}

/** A labelled <select>; `onPick(quarter)` runs on change. */
export function quarterSelect(quarters, current, onPick) {
  const id = 'quarter-select';
  return h(
    'p',
    { class: 'field inline' },
    h('label', { for: id }, t('quarterLabel')),
    h(
      'select',
      { id, onchange: (e) => onPick(e.target.value) },
      quarters.map((q) =>
        h(
          'option',
          { value: q.quarter, selected: q.quarter === current },
          `${q.quarter} (${t(`status_${q.status}`)})`,
        ),
      ),
    ),
  );
}
