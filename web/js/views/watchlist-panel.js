/**
 * The overview's watchlist: partners within reach of a plan (GET /quarters/{q}/watchlist, scoped by
 * the API), most RUB at stake first, with what stands in the way besides the units.
 */
import { api } from '../api.js';
import { codeLabel, errorText } from '../codes.js';
import { h, message, table } from '../dom.js';
import { formatInstant, formatInt, formatMoney, t } from '../i18n.js';

export function blockerText(b) {
  switch (b.code) {
    case 'partner-not-registered':
      return t('wlBlockRegistered');
    case 'acceptance-missing':
      return t('wlBlockAcceptance');
    case 'acceptance-late':
      return t('wlBlockLate', { at: formatInstant(b.acceptedAt) });
    case 'training-missing':
      return t('wlBlockTraining', {
        courses: b.courses.map((group) => group.join(` ${t('wlOr')} `)).join('; '),
      });
    default:
      return b.code;
  }
}

export async function watchlistPanel(q) {
  let partners;
  try {
    ({ partners } = await api.watchlist(q));
  } catch (err) {
    // The overview stays usable when only the watchlist cannot be loaded.
    return h('section', { class: 'watchlist' }, message(t('wlFailed', { message: errorText(err) }), 'error'));
  }
  return h(
    'section',
    { class: 'watchlist', 'aria-labelledby': 'watchlist-title' },
    h('h2', { id: 'watchlist-title' }, t('wlTitle')),
    h('p', { class: 'meta' }, t('wlIntro')),
    partners.length
      ? table({
          className: 'watchlist',
          columns: [
            { label: t('colPartnerId') },
            { label: t('colName') },
            { label: t('colProgram') },
            { label: t('wlColUnits'), numeric: true },
            { label: t('wlColTarget'), numeric: true },
            { label: t('wlColMissing'), numeric: true },
            { label: t('wlColProjected'), numeric: true },
            { label: t('wlColAtStake'), numeric: true },
            { label: t('wlColBlockers') },
          ],
          rows: partners.map((p) => ({
            cells: [
              h(
                'a',
                { href: `#/partner/${encodeURIComponent(q)}/${encodeURIComponent(p.partnerId)}` },
                p.partnerId,
              ),
              p.partnerName ?? '',
              codeLabel('program', p.program),
              formatInt(p.units),
              formatInt(p.target),
              formatInt(p.missing),
              formatInt(p.projectedUnits),
              formatMoney(p.amountAtStakeRub),
              p.blockers.length
                ? h(
                    'ul',
                    { class: 'reasons' },
                    p.blockers.map((b) => h('li', {}, blockerText(b))),
                  )
                : '—',
            ],
          })),
        })
      : message(t('wlEmpty')),
  );
}
