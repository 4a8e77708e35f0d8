/**
 * One partner's quarter: tier progress per program, every payout line with its explanation (zero
 * lines with their reason), warnings, and the points balance with its ledger.
 */
import { api } from '../api.js';
import { h, message, table } from '../dom.js';
import { codeLabel, pointsSource, textLang } from '../codes.js';
import { formatInstant, formatInt, formatMoney, t, zeroReason } from '../i18n.js';
import { tp } from '../plural.js';
import { toKopecks } from '../money.js';
import { adjustmentsSection, chooseView, chosenView, closedMark, redeemForm } from './finance.js';

export async function render({ me, params, rerender }) {
  const [q, id] = params;
  const data = await api.partnerView(q, id, chosenView());
  const redeem = await redeemForm(me, data.partner.id, rerender);
  const p = data.partner;
  // A line's warnings are shown on the line; only the others get a section of their own.
  const onLines = new Set(data.lines.flatMap((l) => l.warnings ?? []));
  const otherWarnings = (data.warnings ?? []).filter((w) => !onLines.has(w));
  return h(
    'div',
    { class: 'page' },
    h('p', {}, h('a', { href: `#/overview/${encodeURIComponent(q)}` }, t('backToQuarter', { q }))),
    h('h1', {}, p.name || p.id),
    h(
      'p',
      { class: 'meta' },
      t('partnerMeta', { id: p.id, region: codeLabel('region', p.region), status: codeLabel('pstatus', p.status) }),
      ' · ',
      t('quarterTitle', { q }),
    ),
    closedMark(data, (view) => chooseView(view, rerender)),
    h(
      'dl',
      { class: 'figures' },
      h('div', {}, h('dt', {}, t('partnerTotal')), h('dd', {}, formatMoney(data.total))),
    ),
    h(
      'section',
      { 'aria-labelledby': 'progress-title' },
      h('h2', { id: 'progress-title' }, t('progressTitle')),
      data.progress.length
        ? h('div', { class: 'progress-list' }, data.progress.map(progressCard))
        : message(t('noProgress')),
    ),
    h(
      'section',
      { 'aria-labelledby': 'lines-title' },
      h('h2', { id: 'lines-title' }, t('linesTitle')),
      data.lines.length ? linesTable(data.lines, data.total) : message(t('noLines')),
    ),
    otherWarnings.length
      ? h(
          'section',
          { 'aria-labelledby': 'warnings-title' },
          h('h2', { id: 'warnings-title' }, t('warningsTitle')),
          h(
            'ul',
            { class: 'warnings' },
            otherWarnings.map((w) => h('li', { lang: textLang(w) }, w)),
          ),
        )
      : null,
    adjustmentsSection(data),
    pointsSection(data.points, q),
    redeem,
  );
}

/** Units so far against the program's thresholds, with a mark per threshold. */
function progressCard(pr) {
  const id = `progress-${pr.program}`;
  const top = Math.max(...pr.thresholds, 1);
  const scale = Math.ceil(Math.max(top, pr.units) * 1.15);
  const pct = (n) => `${((Math.max(0, n) / scale) * 100).toFixed(1)}%`;
  const target = pr.nextThreshold ?? pr.appliedPlan ?? top;
  const facts = [t('unitsSoFar', { units: formatInt(pr.units) })];
  if (!pr.accepted) facts.push(t('notAccepted'));
  if (pr.unitsToNext !== null)
    facts.push(
      tp(pr.chosenPlan === pr.nextThreshold ? 'moreToChosenPlan' : 'moreToPlan', pr.unitsToNext, {
        plan: pr.nextThreshold,
      }),
    );
  if (pr.appliedPlan !== null)
    facts.push(
      t(pr.appliedPlan === pr.chosenPlan ? 'chosenPlanApplies' : 'planApplies', { plan: pr.appliedPlan }),
    );
  else if (pr.chosenPlan !== null && pr.unitsToNext === null)
    facts.push(t('chosenPlan', { plan: pr.chosenPlan }));
  return h(
    'article',
    { class: `progress-card${pr.accepted ? '' : ' not-accepted'}` },
    h('h3', { id: `${id}-title` }, codeLabel('program', pr.program)),
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-labelledby': `${id}-title`,
        'aria-valuemin': 0,
        'aria-valuemax': target,
        'aria-valuenow': Math.max(0, Math.min(pr.units, target)),
        'aria-valuetext': `${t('progressValue', { units: formatInt(pr.units), plan: target })}. ${facts.join('; ')}`,
      },
      h('div', { class: `fill${pr.appliedPlan !== null ? ' met' : ''}`, style: { width: pct(pr.units) } }),
      pr.thresholds.map((th) =>
        h(
          'div',
          {
            class: `mark${pr.units >= th ? ' reached' : ''}${th === pr.chosenPlan ? ' chosen' : ''}`,
            style: { left: pct(th) },
            'aria-hidden': 'true',
          },
          h('span', {}, t('planMark', { plan: th })),
        ),
      ),
    ),
    h('p', { class: 'facts' }, facts.join(' · ')),
    h('p', { class: 'summary', lang: textLang(pr.summary) }, pr.summary),
  );
}

function linesTable(lines, total) {
  return table({
    className: 'lines',
    columns: [
      { label: t('colProgram') },
      { label: t('colDistributor') },
      { label: t('colRateRow') },
      { label: t('colUnits'), numeric: true },
      { label: t('colPaidUnits'), numeric: true },
      { label: t('colRate'), numeric: true },
      { label: t('colAmount'), numeric: true },
      { label: t('colExplanation') },
    ],
    rows: lines.map((l) => ({
      className: toKopecks(l.amount) === 0n ? 'zero' : undefined,
      cells: [
        codeLabel('program', l.program),
        l.distributorId,
        codeLabel('rateRow', l.rateRow),
        formatInt(l.units),
        formatInt(l.paidUnits),
        formatMoney(l.rate),
        formatMoney(l.amount),
        h(
          'div',
          { class: 'explanation' },
          l.adjustment
            ? h('span', { class: 'badge adjustment' }, t('adjustmentOf', { q: l.adjustment.ofQuarter }))
            : null,
          l.explanation.reason
            ? h('span', { class: 'badge reason' }, zeroReason(l.explanation.reason))
            : null,
          h('p', { lang: textLang(l.explanation.text) }, l.explanation.text),
          l.warnings?.length
            ? h(
                'ul',
                { class: 'warnings' },
                l.warnings.map((w) => h('li', { lang: textLang(w) }, w)),
              )
            : null,
        ),
      ],
    })),
    foot: [
      t('totalRow'),
      '',
      '',
      formatInt(lines.reduce((n, l) => n + l.units, 0)),
      formatInt(lines.reduce((n, l) => n + l.paidUnits, 0)),
      '',
      formatMoney(total),
      '',
    ],
  });
}

function pointsSection(points, q) {
  const entries = (points?.entries ?? [])
    .slice()
    .sort((a, b) => b.at.localeCompare(a.at) || b.entryId.localeCompare(a.entryId));
  return h(
    'section',
    { 'aria-labelledby': 'points-title' },
    h('h2', { id: 'points-title' }, t('pointsTitle')),
    h('p', { class: 'balance' }, tp('pointsBalance', points?.balance ?? 0)),
    points?.credited !== undefined ? h('p', { class: 'credited' }, tp('pointsCredited', points.credited, { q })) : null,
    pendingPoints(points?.pending ?? []),
    entries.length
      ? table({
          className: 'ledger',
          columns: [
            { label: t('colDate') },
            { label: t('colKind') },
            { label: t('colPoints'), numeric: true },
            { label: t('colSource') },
            { label: t('colReason') },
          ],
          rows: entries.map((e) => ({
            className: e.points < 0 ? 'negative' : undefined,
            cells: [
              formatInstant(e.at),
              t(`kind_${e.kind}`),
              formatInt(e.points),
              pointsSource(e.source),
              h('span', { lang: textLang(e.reason) }, e.reason),
            ],
          })),
        })
      : message(t('noLedger')),
  );
}

/** Points earned in the open quarter: credited to the balance when the quarter is closed. */
function pendingPoints(pending) {
  if (!pending.length) return null;
  const total = pending.reduce((sum, p) => sum + p.points, 0);
  return [
    h('p', { class: 'pending' }, tp('pointsPending', total)),
    table({
      className: 'pending-points',
      columns: [{ label: t('colPoints'), numeric: true }, { label: t('colSource') }, { label: t('colReason') }],
      rows: pending.map((p) => ({
        cells: [formatInt(p.points), pointsSource(p.source), h('span', { lang: textLang(p.reason) }, p.reason)],
      })),
    }),
  ];
}
