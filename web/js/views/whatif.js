/**
 * What-if (finance, program): change rates, plan thresholds, or a partner's units, trainings and
 * acceptance, and see each partner's payout now, with the changes, and the difference. The API
 * computes it in memory (POST /quarters/{q}/preview) and writes nothing. A partner manager gets the
 * partner part only: rates and thresholds are the program's decision, and the API refuses them.
 */
import { api } from '../api.js';
import { codeLabel, errorText } from '../codes.js';
import { h, message, table } from '../dom.js';
import { formatInt, formatMoney, t } from '../i18n.js';
import { toKopecks } from '../money.js';
import { tp } from '../plural.js';
import { loadQuarters, pickQuarter, quarterSelect } from './quarters.js';

const SHOWN = 200;

export async function render({ me, params, go }) {
  if (me.role !== 'finance' && me.role !== 'program' && me.role !== 'manager')
    return h('section', {}, h('h1', {}, t('navWhatIf')), message(t('forbidden', { message: t('error_forbidden') }), 'error'));
  const quarters = await loadQuarters();
  const info = pickQuarter(quarters, params[0]);
  if (!info) return h('section', {}, h('h1', {}, t('navWhatIf')), message(t('noPayouts')));
  const q = info.quarter;
  const rules = await api.rules(q);
  const result = h('div', { class: 'whatif-result', 'aria-live': 'polite' });
  const triesRules = me.role !== 'manager';

  const form = h(
    'form',
    {
      class: 'whatif',
      onsubmit: async (e) => {
        e.preventDefault();
        const body = requestOf(form, rules);
        if (!body) return result.replaceChildren(message(t('whatIfNothing'), 'error'));
        const button = form.querySelector('button[type=submit]');
        button.disabled = true;
        result.replaceChildren(message(t('whatIfRunning')));
        try {
          showResult(result, await api.preview(q, body));
        } catch (err) {
          result.replaceChildren(message(t('actionFailed', { message: errorText(err) }), 'error'));
        } finally {
          button.disabled = false;
        }
      },
    },
    triesRules ? ratesSection(rules) : null,
    triesRules ? plansSection(rules) : null,
    partnerSection(rules, await partnerChoices(q)),
    h(
      'p',
      { class: 'buttons' },
      h('button', { type: 'submit' }, t('whatIfRun')),
      h(
        'button',
        { type: 'reset', class: 'secondary', onclick: () => result.replaceChildren() },
        t('whatIfReset'),
      ),
    ),
  );

  return h(
    'div',
    { class: 'page' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('whatIfTitle', { q })),
      quarterSelect(quarters, q, (next) => go(`#/whatif/${encodeURIComponent(next)}`)),
    ),
    h(
      'p',
      { class: 'meta' },
      triesRules
        ? t('whatIfIntro')
        : t('whatIfIntroManager', { regions: (me.regions ?? []).map((r) => codeLabel('region', r)).join(', ') }),
    ),
    form,
    result,
  );
}

const rateId = (p, r, plan) => `rate-${p}-${r}-${plan}`;
const planId = (p, plan) => `plan-${p}-${plan}`;

function ratesSection(rules) {
  return h(
    'fieldset',
    {},
    h('legend', {}, t('whatIfRates')),
    rules.programs.map((p) =>
      h(
        'details',
        {},
        h('summary', {}, codeLabel('program', p.id)),
        h(
          'div',
          { class: 'table-scroll' },
          table({
            className: 'whatif-rates',
            columns: [{ label: t('colRateRow') }, { label: t('colRateNow'), numeric: true }, { label: t('colRateNew') }],
            rows: p.rateRows.flatMap((r) =>
              p.plans
                .filter((plan) => String(plan) in r.rates)
                .map((plan) => {
                  const id = rateId(p.id, r.id, plan);
                  const label = `${codeLabel('rateRow', r.id)}, ${t('planLabel', { plan })}`;
                  return {
                    cells: [
                      h('label', { for: id }, label),
                      formatMoney(r.rates[String(plan)]),
                      h('input', { id, type: 'text', inputmode: 'decimal', size: 8, autocomplete: 'off' }),
                    ],
                  };
                }),
            ),
          }),
        ),
      ),
    ),
  );
}

function plansSection(rules) {
  return h(
    'fieldset',
    {},
    h('legend', {}, t('whatIfPlans')),
    h(
      'div',
      { class: 'table-scroll' },
      table({
        className: 'whatif-plans',
        columns: [{ label: t('colProgram') }, { label: t('colPlanNow'), numeric: true }, { label: t('colPlanNew') }],
        rows: rules.programs.flatMap((p) =>
          p.plans.map((plan) => {
            const id = planId(p.id, plan);
            return {
              cells: [
                h('label', { for: id }, `${codeLabel('program', p.id)}, ${t('planLabel', { plan })}`),
                formatInt(plan),
                h('input', { id, type: 'number', min: 1, step: 1, inputmode: 'numeric', size: 6 }),
              ],
            };
          }),
        ),
      }),
    ),
  );
}

/** The partners the caller sees, nearest to a plan first, to pick from; none if the list cannot be read. */
async function partnerChoices(q) {
  try {
    return (await api.partnerList(q, { sort: 'unitsToPlan', order: 'asc', limit: 200 })).partners;
  } catch {
    return [];
  }
}

function partnerSection(rules, partners) {
  const field = (id, label, control) => h('p', { class: 'field' }, h('label', { for: id }, label), control);
  const programSelect = h(
    'select',
    { id: 'wi-program', onchange: () => fillRows() },
    rules.programs.map((p) => h('option', { value: p.id }, codeLabel('program', p.id))),
  );
  const rowSelect = h('select', { id: 'wi-rate-row' });
  const planSelect = h('select', { id: 'wi-plan' });
  const fillRows = () => {
    const p = rules.programs.find((x) => x.id === programSelect.value) ?? rules.programs[0];
    rowSelect.replaceChildren(...p.rateRows.map((r) => h('option', { value: r.id }, codeLabel('rateRow', r.id))));
    planSelect.replaceChildren(
      h('option', { value: '' }, t('noPlan')),
      ...p.plans.map((plan) => h('option', { value: String(plan) }, formatInt(plan))),
    );
  };
  fillRows();
  const courses = [...new Set(rules.trainings.flatMap((g) => g.courses))].sort();
  return h(
    'fieldset',
    {},
    h('legend', {}, t('whatIfPartner')),
    h(
      'div',
      { class: 'fields' },
      field(
        'wi-partner',
        t('fieldPartner'),
        h('input', { id: 'wi-partner', type: 'text', autocomplete: 'off', size: 12, list: 'wi-partners' }),
      ),
      // Names as labels, not text: the IDs are what the field takes.
      h('datalist', { id: 'wi-partners' }, partners.map((p) => h('option', { value: p.partnerId, label: p.name }))),
      field('wi-program', t('fieldProgram'), programSelect),
      field('wi-rate-row', t('fieldRateRow'), rowSelect),
      field('wi-units', t('fieldUnits'), h('input', { id: 'wi-units', type: 'number', step: 1, inputmode: 'numeric', size: 6 })),
      field(
        'wi-course',
        t('fieldCourse'),
        h(
          'select',
          { id: 'wi-course' },
          h('option', { value: '' }, t('noCourse')),
          courses.map((c) => h('option', { value: c }, c)),
        ),
      ),
      h(
        'p',
        { class: 'field inline' },
        h('input', { id: 'wi-accept', type: 'checkbox' }),
        h('label', { for: 'wi-accept' }, t('fieldAccept')),
      ),
      field('wi-plan', t('fieldPlan'), planSelect),
    ),
  );
}

/** The preview body of what the form changes; null when it changes nothing. */
function requestOf(form, rules) {
  const value = (id) => form.querySelector(`#${CSS.escape(id)}`)?.value.trim() ?? '';
  const rates = {};
  const plans = {};
  for (const p of rules.programs) {
    for (const r of p.rateRows)
      for (const plan of p.plans) {
        // Russian keyboards type a decimal comma.
        const v = value(rateId(p.id, r.id, plan)).replace(',', '.').replace(/\s/g, '');
        if (v) rates[`${p.id}/${r.id}/${plan}`] = /^\d+$/.test(v) ? `${v}.00` : v;
      }
    for (const plan of p.plans) {
      const v = value(planId(p.id, plan));
      if (v && Number(v) !== plan) plans[`${p.id}/${plan}`] = Number(v);
    }
  }
  const body = { rates, plans, units: [], trainings: [], acceptances: [] };
  const partnerId = value('wi-partner');
  if (partnerId) {
    // Inside the quarter and before its deadlines: the change counts as made in time.
    const at = `${rules.firstDay}T12:00:00+03:00`;
    const program = value('wi-program');
    const units = Number(value('wi-units') || 0);
    if (units) body.units.push({ partnerId, program, rateRow: value('wi-rate-row'), units });
    if (value('wi-course')) body.trainings.push({ partnerId, courseCode: value('wi-course'), completedAt: at });
    if (form.querySelector('#wi-accept').checked)
      body.acceptances.push({ partnerId, program, plan: value('wi-plan') ? Number(value('wi-plan')) : null, acceptedAt: at });
  }
  const changed =
    Object.keys(rates).length || Object.keys(plans).length || body.units.length || body.trainings.length || body.acceptances.length;
  return changed ? body : null;
}

function showResult(area, data) {
  const changes = data.changes
    .slice()
    .sort((a, b) => {
      const x = toKopecks(a.delta);
      const y = toKopecks(b.delta);
      const ax = x < 0n ? -x : x;
      const ay = y < 0n ? -y : y;
      return ax === ay ? a.partnerId.localeCompare(b.partnerId) : ay > ax ? 1 : -1;
    });
  if (!changes.length) return area.replaceChildren(message(t('whatIfNoChange')), h('p', { class: 'meta' }, t('whatIfNotSaved')));
  area.replaceChildren(
    h('h2', {}, tp('changed', changes.length, { total: formatMoney(data.total) })),
    data.totals
      ? h(
          'p',
          { class: 'whatif-totals' },
          t('whatIfTotals', {
            before: formatMoney(data.totals.before),
            after: formatMoney(data.totals.after),
            delta: `${toKopecks(data.totals.delta) > 0n ? '+' : ''}${formatMoney(data.totals.delta)}`,
          }),
        )
      : null,
    h('p', { class: 'meta' }, t('whatIfNotSaved')),
    h(
      'div',
      { class: 'table-scroll' },
      table({
        className: 'whatif-changes',
        columns: [
          { label: t('colPartnerId') },
          { label: t('wiBefore'), numeric: true },
          { label: t('wiAfter'), numeric: true },
          { label: t('wiDelta'), numeric: true },
        ],
        rows: changes.slice(0, SHOWN).map((c) => ({
          className: toKopecks(c.delta) < 0n ? 'negative' : 'positive',
          cells: [
            c.partnerId,
            formatMoney(c.before),
            formatMoney(c.after),
            `${toKopecks(c.delta) > 0n ? '+' : ''}${formatMoney(c.delta)}`,
          ],
        })),
      }),
    ),
    changes.length > SHOWN ? h('p', { class: 'meta' }, t('pageStatus', { from: 1, to: formatInt(SHOWN), total: formatInt(changes.length) })) : null,
  );
}
