/**
 * The quarter picker shared by the overview and the exceptions queue. The choice is remembered;
 * without one, the current or last closed quarter is shown (defaultQuarter).
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
    defaultQuarter(quarters);
  if (chosen) localStorage.setItem(KEY, chosen.quarter);
  return chosen;
}

/**
 * Today's quarter on Moscow time when it has rules; else the last closed one (a close must not move
 * the dashboard on to the next quarter, still empty); else the first open one.
 */
export function defaultQuarter(quarters, now = Date.now()) {
  const moscow = new Date(now + 3 * 3600_000);
  const today = `${moscow.getUTCFullYear()}-Q${Math.floor(moscow.getUTCMonth() / 3) + 1}`;
  return (
    quarters.find((q) => q.quarter === today) ??
    quarters.filter((q) => q.status === 'closed').at(-1) ??
    quarters.find((q) => q.status === 'open') ??
    quarters.at(-1)
  );
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
