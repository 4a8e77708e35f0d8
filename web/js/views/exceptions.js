/**
 * The exceptions workbench: every reason a unit of the quarter does not pay
 * (GET /quarters/{q}/exceptions, scoped by the API), grouped, with counts and RUB at stake, and a
 * fix on screen where the caller's role allows it (the API names it per item). A fix goes through
 * the reference API, which answers 202 and requests a computation; the page then asks again until
 * the computation has taken the item off the queue. Each group's items come a page at a time,
 * sorted and searched by the API; the group's count, units and RUB are always its whole.
 */
import { api } from '../api.js';
import { evaluated } from '../evaluation.js';
import { codeLabel, errorText, serverSentence } from '../codes.js';
import { regionChoices } from '../regions.js';
import { h, message, table } from '../dom.js';
import { formatInt, formatMoney, rejectReason, t, zeroReason } from '../i18n.js';
import { filterSelect, markSorted, PAGE_SIZES, reloadInto, sortHeader } from '../paged-list.js';
import { pager } from '../pager.js';
import { searchField } from '../search-field.js';
import { loadQuarters, pickQuarter, quarterSelect } from './quarters.js';

const POLL_MS = 1000;
const POLL_TRIES = 60;
const LINES_SHOWN = 10;

const reasonLabel = (g) => (g.source === 'held' ? rejectReason(g.reason) : zeroReason(g.reason));
const amountText = (a) => (a === null ? t('wbUnknownAmount') : formatMoney(a));
const itemKey = (i) =>
  JSON.stringify([
    i.reason,
    i.partnerKey,
    i.reportId,
    i.lines?.[0],
    i.distributorId,
    i.program,
    i.rateRow,
    i.sku,
  ]);
const holds = (data, key) => data.groups.some((g) => g.items.some((i) => itemKey(i) === key));
/** The item's group, searched for its partner: whether the item is still on it. */
const stillListed = async (q, item) =>
  holds(await api.quarterExceptions(q, { reason: item.reason, q: item.partnerKey, limit: 500 }), itemKey(item));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A day picked on screen is a Moscow day; noon keeps it that day whatever the reader's clock. */
const moscowNoon = (day) => `${day}T12:00:00+03:00`;

let formCount = 0;

export async function render({ params, go, rerender }) {
  const quarters = await loadQuarters();
  const info = pickQuarter(quarters, params[0]);
  if (!info) return h('section', {}, h('h1', {}, t('wbTitle')), message(t('wbEmpty')));
  const q = info.quarter;
  const data = await api.quarterExceptions(q);
  const known = data.groups.filter((g) => g.amountAtStakeRub !== null);
  const kopecks = known.reduce((sum, g) => sum + BigInt(g.amountAtStakeRub.replace('.', '')), 0n);
  const total = `${kopecks / 100n}.${String(kopecks % 100n).padStart(2, '0')}`;
  return h(
    'div',
    { class: 'page workbench' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('wbTitle')),
      quarters.length
        ? quarterSelect(quarters, q, (next) => go(`#/exceptions/${encodeURIComponent(next)}`))
        : null,
    ),
    h('p', { class: 'meta' }, t('wbIntro')),
    h(
      'dl',
      { class: 'figures' },
      h(
        'div',
        {},
        h('dt', {}, t('wbFigureItems')),
        h('dd', {}, formatInt(data.groups.reduce((n, g) => n + g.count, 0))),
      ),
      h('div', {}, h('dt', {}, t('wbFigureAtStake')), h('dd', {}, formatMoney(total))),
    ),
    data.groups.length
      ? data.groups.map((g) => groupSection(q, data.programs, g, rerender))
      : message(t('wbEmpty')),
  );
}

const GROUP_STATES = new Map();
const DEFAULT_GROUP = { sort: 'amountAtStakeRub', order: 'desc', q: '', offset: 0, limit: 50 };
/** Per quarter and group, for this tab: coming back after a fix finds each group as it was left. */
function groupState(q, reason) {
  const key = `${q}/${reason}`;
  if (!GROUP_STATES.has(key)) GROUP_STATES.set(key, { ...DEFAULT_GROUP });
  return GROUP_STATES.get(key);
}
const isDefault = (s) => Object.entries(DEFAULT_GROUP).every(([k, v]) => s[k] === v);

function groupSection(q, programs, g, rerender) {
  const id = `wb-${g.reason}`;
  const state = groupState(q, g.reason);
  const area = h('div', { class: 'list-area', 'aria-live': 'polite' });
  // Only this group's items are asked for again: the other groups and the figures stay.
  const reload = () =>
    reloadInto(
      area,
      () => api.quarterExceptions(q, { reason: g.reason, ...state }),
      (data) => fill(data.groups[0] ?? { ...g, items: [], page: { ...g.page, total: 0, nextCursor: null } }),
      (err) => message(t('loadFailed', { message: errorText(err) }), 'error'),
    );
  const changed = () => {
    state.offset = 0;
    reload();
  };
  const fill = (group) => {
    // Fixes took items off the list: a page past its end starts again from the first.
    if (!group.items.length && group.page.offset > 0) {
      changed();
      return;
    }
    if (!group.page.total) {
      area.replaceChildren(message(t('wbNoMatches')));
      return;
    }
    const paged = group.page.total > group.page.limit || group.page.offset > 0;
    // replaceChildren would write a null out as text: only what is shown is passed.
    area.replaceChildren(
      h('div', { class: 'table-scroll' }, itemsTable(q, programs, group, state, changed, rerender)),
      ...(paged
        ? [
            pager(
              group.page,
              (offset) => {
                state.offset = offset;
                reload();
              },
              { ends: true },
            ),
          ]
        : []),
    );
  };
  // The first answer holds each group's first page as the API orders it; a group left sorted,
  // searched or on another page asks for its own.
  if (isDefault(state)) fill(g);
  else reload();
  return h(
    'section',
    { class: 'wb-group', 'aria-labelledby': id },
    h('h2', { id }, reasonLabel(g)),
    h(
      'p',
      { class: 'meta' },
      t('wbGroupSummary', {
        count: formatInt(g.count),
        units: formatInt(g.units),
        amount: amountText(g.amountAtStakeRub),
      }),
      g.amountAtStakeRub !== null && g.amountUnknown
        ? ` ${t('wbSomeUnknown', { n: formatInt(g.amountUnknown) })}`
        : '',
    ),
    // A handful of items need no search.
    g.count > PAGE_SIZES[0] ? groupControls(g.reason, state, changed) : null,
    area,
  );
}

function groupControls(reason, state, changed) {
  return h(
    'form',
    { class: 'list-controls', role: 'search', onsubmit: (e) => (e.preventDefault(), changed()) },
    searchField(`wb-search-${reason}`, t('wbSearch'), state, changed),
    filterSelect(
      `wb-page-size-${reason}`,
      t('pageSize'),
      String(state.limit),
      PAGE_SIZES.map((n) => [String(n), formatInt(n)]),
      (v) => (state.limit = Number(v)),
      changed,
    ),
  );
}

function itemsTable(q, programs, g, state, changed, rerender) {
  const col = (label, key, numeric = false) => sortHeader(label, key, state, changed, { numeric });
  return markSorted(
    table({
      className: 'wb-items',
      columns: [
        col(t('colPartner'), 'partnerId'),
        { label: t('wbColWhere') },
        col(t('colUnits'), 'units', true),
        col(t('wbColAtStake'), 'amountAtStakeRub', true),
        { label: t('wbColWhy') },
        { label: t('wbColFix') },
      ],
      rows: g.items.map((item) => ({
        cells: [
          partnerCell(q, item),
          whereCell(item),
          formatInt(item.source === 'payout' ? item.unpaidUnits : item.units),
          amountText(item.amountAtStakeRub),
          whyCell(item),
          item.fix ? fixForm(q, programs, item, rerender) : '—',
        ],
      })),
    }),
    state,
  );
}

function partnerCell(q, item) {
  const id =
    item.partnerName !== null
      ? h(
          'a',
          { href: `#/partner/${encodeURIComponent(q)}/${encodeURIComponent(item.partnerId)}` },
          item.partnerId,
        )
      : item.partnerId;
  return [id, item.partnerName ? h('div', { class: 'meta' }, item.partnerName) : null];
}

function whereCell(item) {
  if (item.source === 'payout')
    return t('wbWherePayout', {
      distributor: item.distributorId,
      program: codeLabel('program', item.program),
      rateRow: codeLabel('rateRow', item.rateRow),
    });
  const lines = item.lines.slice(0, LINES_SHOWN).join(', ') + (item.lines.length > LINES_SHOWN ? ', …' : '');
  return [
    t('wbWhereHeld', { report: item.reportId, lines, distributor: item.distributorId }),
    h('div', { class: 'meta' }, [item.sku, item.description].filter(Boolean).join(' · ')),
  ];
}

function whyCell(item) {
  return [
    // The server's sentence, in the page's language (an older record's detail may still be English).
    serverSentence(item.message, item.messageLang),
    item.courses?.length
      ? h(
          'div',
          { class: 'meta' },
          t('wbCourses', { courses: item.courses.map((c) => c.join(` ${t('wlOr')} `)).join('; ') }),
        )
      : null,
  ];
}

// ---------------------------------------------------------------- fixes

const FIX_LABELS = {
  'register-partner': 'wbFixPartner',
  'map-product': 'wbFixProduct',
  'record-training': 'wbFixTraining',
  'record-acceptance': 'wbFixAcceptance',
};

function field(label, control) {
  const id = `wb-field-${++formCount}`;
  control.id = id;
  return h('p', { class: 'field' }, h('label', { for: id }, label), control);
}

const select = (options, attrs = {}) =>
  h(
    'select',
    attrs,
    options.map(([value, label]) => h('option', { value }, label)),
  );

function fixForm(q, programs, item, rerender) {
  const inputs = {};
  let fields;
  switch (item.fix) {
    case 'record-training':
      fields = [
        ...item.courses.map((group, k) =>
          field(
            t('wbCourse'),
            (inputs[`course${k}`] = select(
              group.map((c) => [c, c]),
              { required: true },
            )),
          ),
        ),
        field(t('wbCompletedOn'), (inputs.day = h('input', { type: 'date', required: true }))),
      ];
      break;
    case 'record-acceptance': {
      const plans = programs.find((p) => p.id === item.program)?.plans ?? [];
      fields = [
        field(
          t('wbPlan'),
          (inputs.plan = select([['', t('wbNoPlan')], ...plans.map((p) => [String(p), String(p)])])),
        ),
        field(t('wbAcceptedOn'), (inputs.day = h('input', { type: 'date', required: true }))),
      ];
      break;
    }
    case 'register-partner':
      fields = [
        field(t('colName'), (inputs.name = h('input', { type: 'text', required: true }))),
        field(
          t('wbStatus'),
          (inputs.status = select([
            ['Registered', t('wbStatusRegistered')],
            ['Preferred', t('wbStatusPreferred')],
          ])),
        ),
        field(t('colRegion'), (inputs.region = select(regionChoices(), { required: true }))),
      ];
      break;
    case 'map-product': {
      inputs.program = select(programs.map((p) => [p.id, codeLabel('program', p.id)]));
      inputs.rateRow = select([]);
      const fill = () =>
        inputs.rateRow.replaceChildren(
          ...(programs.find((p) => p.id === inputs.program.value)?.rateRows ?? []).map((r) =>
            h('option', { value: r }, codeLabel('rateRow', r)),
          ),
        );
      inputs.program.addEventListener('change', fill);
      fill();
      fields = [field(t('colProgram'), inputs.program), field(t('colRateRow'), inputs.rateRow)];
      break;
    }
    default:
      return '—';
  }

  const status = h('p', { class: 'meta', role: 'status' });
  const submit = h('button', { type: 'submit' }, t('wbSave'));
  const form = h('form', {}, fields, submit, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const [kind, rows] = rowsOf(item, inputs);
      status.textContent = t('wbSaving');
      const answer = await api.putReference(kind, rows);
      const here = location.hash;
      // With a quarter closed the fix is first checked against it, off the request.
      let approval = answer.approval;
      if (answer.change?.status === 'evaluating') {
        status.textContent = t('fixEvaluating');
        approval = await evaluated(answer.change.id, () => location.hash === here && form.isConnected);
        if (!approval) {
          if (form.isConnected) status.textContent = t('fixStillEvaluating');
          return;
        }
      }
      // A fix that would change a closed quarter is not written: it waits for a second person.
      if (approval?.status === 'pending') {
        status.textContent = t('fixPendingApproval', {
          quarters: approval.quarters.join(', '),
          total: formatMoney(approval.effect.totalRub),
        });
        return;
      }
      status.textContent = t('wbRecomputing');
      for (let i = 0; i < POLL_TRIES; i++) {
        await sleep(POLL_MS);
        // The reader went elsewhere: the saved fix stands, the page it was made on is gone.
        if (location.hash !== here || !form.isConnected) return;
        if (!(await stillListed(q, item)))
          return rerender({ text: t('wbFixed', { partner: item.partnerId }), kind: 'info' });
      }
      status.textContent = t('wbStillThere');
    } catch (err) {
      status.setAttribute('role', 'alert');
      status.textContent = t('actionFailed', { message: [errorText(err), ...(err.issues ?? [])].join(' ') });
    } finally {
      submit.disabled = false;
    }
  });
  return h('details', { class: 'fix' }, h('summary', {}, t(FIX_LABELS[item.fix])), form);
}

function rowsOf(item, inputs) {
  switch (item.fix) {
    case 'record-training':
      return [
        'trainings',
        item.courses.map((_, k) => ({
          partnerId: item.partnerId,
          courseCode: inputs[`course${k}`].value,
          completedAt: moscowNoon(inputs.day.value),
        })),
      ];
    case 'record-acceptance':
      return [
        'acceptances',
        [
          {
            partnerId: item.partnerId,
            program: item.program,
            plan: inputs.plan.value === '' ? null : Number(inputs.plan.value),
            acceptedAt: moscowNoon(inputs.day.value),
          },
        ],
      ];
    case 'register-partner':
      return [
        'partners',
        [
          {
            id: item.partnerId,
            name: inputs.name.value.trim(),
            status: inputs.status.value,
            region: inputs.region.value.trim(),
          },
        ],
      ];
    case 'map-product':
      return ['catalog', [{ sku: item.sku, program: inputs.program.value, rateRow: inputs.rateRow.value }]];
  }
}
