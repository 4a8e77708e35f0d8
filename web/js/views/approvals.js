/**
 * Approvals: requests waiting for a second person (closing a quarter, a change that would alter a
 * closed quarter) with what they would do, and approve / reject buttons for those who may decide.
 * The API refuses a user's own request; the page says so instead of offering the buttons. A change
 * still being checked against the closed quarters (`evaluating`) is shown without buttons, and the
 * lists refresh until none is left in that state. Waiting and decided requests are two lists paged
 * by the API, each with its own pager.
 */
import { api } from '../api.js';
import { h, message, table } from '../dom.js';
import { EVALUATION_POLL_MS } from '../evaluation.js';
import { formatInstant, formatInt, formatMoney, getLang, t } from '../i18n.js';
import { tp } from '../plural.js';
import { errorText } from '../codes.js';
import { pager } from '../pager.js';
import { listControls, sortField } from '../list-controls.js';
import { filterSelect } from '../paged-list.js';
import { searchField } from '../search-field.js';
import { exceptionGroupsText, referenceRows } from './record-fields.js';

const PAGE = 25;
const WAITING = 'evaluating,pending';
const DECIDED = 'applied,approved,rejected';
/** Where each list stands: kept across visits, as the reports list keeps its page. */
const state = { waiting: 0, decided: 0, q: '', kind: '', sort: 'requested', order: 'desc' };

const filtered = () => !!(state.q || state.kind);

const decides = (me, a) =>
  a.kind === 'close' ? me.role === 'finance' : me.role === 'finance' || me.role === 'program';

const unsettled = (a) => a.status === 'evaluating' || a.status === 'applied';

/** What a change is about in the page's language: the server's words when it gave them in it, else the kind of rows. */
const subject = (a) =>
  a.subjectText && a.subjectLang === getLang() ? a.subjectText : t(`rowKind_${a.what}`);

function title(a) {
  if (a.kind === 'close') return t('kind_close', { q: a.quarter });
  if (unsettled(a)) return t('changeCheckedOf', { what: subject(a) });
  return t('changeOf', { what: subject(a), quarters: a.quarters.join(', ') });
}

function who(key, actor, at) {
  return t(key, { sub: actor.sub, role: t(`role_${actor.role}`), at: formatInstant(at) });
}

function details(a) {
  if (a.kind === 'close')
    return [
      h(
        'p',
        {},
        t('closeFigures', {
          total: formatMoney(a.total),
          exceptions: formatInt(a.openExceptions),
          rejected: formatInt(a.rejectedLines),
          held: formatInt(a.heldLines),
        }),
      ),
      exceptionGroupsLine(a),
    ];
  const rows = h(
    'details',
    {},
    h('summary', {}, t('changeRows', { n: formatInt(a.change[a.what]?.length ?? 0) })),
    referenceRows({ [a.what]: a.change[a.what] ?? [] }),
  );
  // No effect yet while evaluating; none at all once applied.
  if (unsettled(a)) return rows;
  return [
    h('p', { class: 'effect' }, t('effectTotal', { total: formatMoney(a.effect.totalRub) })),
    table({
      columns: [
        { label: t('colQuarter') },
        { label: t('colPartner') },
        { label: t('colBefore'), numeric: true },
        { label: t('colAfter'), numeric: true },
        { label: t('colDelta'), numeric: true },
      ],
      rows: a.effect.partners.map((p) => ({
        cells: [p.quarter, p.partnerId, formatMoney(p.before), formatMoney(p.after), formatMoney(p.delta)],
      })),
    }),
    a.effect.partnersNotListed
      ? h('p', { class: 'meta' }, tp('partnersNotListed', a.effect.partnersNotListed))
      : null,
    rows,
  ];
}

// The workbench groups counted at the request; a request made before they were counted has none.
function exceptionGroupsLine(a) {
  if (!a.exceptionGroups?.length) return null;
  return h('p', { class: 'meta exception-groups' }, t('closeExceptionGroups', { groups: exceptionGroupsText(a.exceptionGroups) }));
}

function decision(me, a, rerender) {
  if (!decides(me, a)) return null;
  if (a.requestedBy.sub === me.sub) return h('p', { class: 'meta' }, t('ownRequest'));
  const reasonId = `reason-${a.id}`;
  const act = (verb) => async () => {
    try {
      if (verb === 'approve') await api.approve(a.id);
      else await api.reject(a.id, document.getElementById(reasonId).value.trim());
      rerender({ text: t(verb === 'approve' ? 'approvedNote' : 'rejectedNote'), kind: 'info' });
    } catch (err) {
      rerender({ text: t('actionFailed', { message: errorText(err) }), kind: 'error' });
    }
  };
  return h(
    'div',
    { class: 'buttons' },
    h('button', { type: 'button', onclick: act('approve') }, t('approve')),
    h('label', { for: reasonId }, t('rejectReason')),
    h('input', { id: reasonId, type: 'text', maxlength: 1000 }),
    h('button', { type: 'button', class: 'danger', onclick: act('reject') }, t('reject')),
  );
}

function card(me, a, rerender) {
  const headingId = `approval-${a.id}`;
  return h(
    'article',
    { class: 'card approval', 'aria-labelledby': headingId },
    h('h3', { id: headingId }, title(a)),
    h('p', { class: 'meta' }, who('askedBy', a.requestedBy, a.requestedAt)),
    details(a),
    a.status === 'evaluating'
      ? h('p', { class: 'meta status-evaluating', role: 'status' }, t('evaluatingNote'))
      : a.status === 'applied'
        ? h('p', { class: 'meta status-applied' }, t('appliedNote', { at: formatInstant(a.appliedAt) }))
        : a.status === 'pending'
          ? decision(me, a, rerender)
          : h(
              'p',
              { class: `meta status-${a.status}` },
              who(`decided_${a.status}`, a.decidedBy, a.decidedAt),
              a.comment ? ` — ${a.comment}` : '',
            ),
  );
}

/** Both lists at their pages; a page emptied by decisions since is read again from the start. */
async function load() {
  const ask = (status, offset) =>
    api.approvals({ status, limit: PAGE, offset, q: state.q, kind: state.kind, sort: state.sort, order: state.order });
  const at = async (list, status) => {
    const data = await ask(status, state[list]);
    if (data.approvals.length || state[list] === 0) return data;
    state[list] = 0;
    return ask(status, 0);
  };
  const [waiting, decided] = await Promise.all([at('waiting', WAITING), at('decided', DECIDED)]);
  return { waiting, decided };
}

function sections(me, lists, data, rerender) {
  const list = (name, { approvals, page }) => [
    ...approvals.map((a) => card(me, a, rerender)),
    page.total > page.limit
      ? pager(page, (offset) => {
          state[name] = offset;
          refresh(me, lists, rerender);
        })
      : null,
  ];
  return [
    h(
      'section',
      { 'aria-labelledby': 'pending-title' },
      h('h2', { id: 'pending-title' }, t('approvalsPending')),
      data.waiting.approvals.length ? list('waiting', data.waiting) : message(filtered() ? t('noApprovalMatches') : t('noPending')),
    ),
    h(
      'section',
      { 'aria-labelledby': 'decided-title' },
      h('h2', { id: 'decided-title' }, t('approvalsDecided')),
      data.decided.approvals.length ? list('decided', data.decided) : message(filtered() ? t('noApprovalMatches') : t('noDecided')),
    ),
  ];
}

async function refresh(me, lists, rerender) {
  const n = (lists.loads = (lists.loads ?? 0) + 1);
  try {
    const data = await load();
    if (n !== lists.loads || !lists.isConnected) return;
    lists.replaceChildren(...sections(me, lists, data, rerender));
    follow(me, lists, data, rerender);
  } catch {
    // The next visit reads them again; a failed refresh leaves the lists as they were.
  }
}

/** While a change is being evaluated, the lists are read again in place until none is. */
function follow(me, lists, data, rerender) {
  clearTimeout(lists.poll);
  if (!data.waiting.approvals.some((a) => a.status === 'evaluating')) return;
  lists.poll = setTimeout(() => {
    if (lists.isConnected) refresh(me, lists, rerender);
  }, EVALUATION_POLL_MS);
}

export async function render({ me, rerender }) {
  const data = await load();
  const lists = h('div', { class: 'approval-lists' });
  lists.replaceChildren(...sections(me, lists, data, rerender));
  follow(me, lists, data, rerender);
  return h(
    'div',
    { class: 'page' },
    h('h1', {}, t('approvalsTitle')),
    h('p', { class: 'meta' }, t('approvalsIntro')),
    approvalControls(() => {
      state.waiting = 0;
      state.decided = 0;
      refresh(me, lists, rerender);
    }),
    lists,
  );
}

/** Search, kind and order, shared by both lists. */
function approvalControls(changed) {
  return listControls(
    changed,
    searchField('approval-search', t('searchApprovals'), state, changed),
    filterSelect(
      'approval-kind',
      t('approvalKind'),
      state.kind,
      [
        ['', t('approvalAnyKind')],
        ['close', t('approvalKindClose')],
        ['reference-change', t('approvalKindChange')],
      ],
      (v) => (state.kind = v),
      changed,
    ),
    sortField(
      'approval-sort',
      t('sortLabel'),
      state,
      [
        ['requested:desc', t('sortNewestFirst')],
        ['requested:asc', t('sortOldestFirst')],
        ['decided:desc', t('sortDecidedLatest')],
        ['quarter:asc', t('sortByQuarter')],
      ],
      changed,
    ),
  );
}
