/**
 * One partner's quarter for every case the program text names (registration, acceptance, plans,
 * trainings, returns, zero rates): together they reach every explanation code. For tests of
 * rendering and of the stored item.
 */
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import type { PartnerQuarterResult, PartnerReference, PayoutLine, TallyRow } from '../../shared/domain/types.js';
import { aReference, aTally, aTraining, anAcceptance, sampleRules, trainedFor } from './domain-fixtures.js';

export const rules = sampleRules('2016-Q1');
const AFTER_DEADLINE = '2016-04-05T12:00:00+03:00';

const pay = (ref: PartnerReference, tallies: TallyRow[], partnerId = 'P1'): PartnerQuarterResult =>
  calculatePartnerQuarter(rules, ref, partnerId, tallies.map((t) => ({ ...t, partnerId })));

export const lineOf = (r: PartnerQuarterResult, rateRow: string, distributorId = 'D1'): PayoutLine => {
  const line = r.lines.find((l) => l.rateRow === rateRow && l.distributorId === distributorId);
  if (!line) throw new Error(`no line ${distributorId}/${rateRow}`);
  return line;
};

/** One partner's quarter per case the program text names; together they reach every code. */
export function scenarios(): Record<string, PartnerQuarterResult> {
  const clientAt = (plan: number | null, over = {}) => anAcceptance('client', plan, over);
  return {
    'not registered': pay(aReference({ partner: null, acceptances: [clientAt(50)] }), [aTally('client', 'premium', 60)], 'RU100199'),
    'not registered, and the acceptance names no plan of the program': pay(
      aReference({
        partner: null,
        acceptances: [clientAt(100), clientAt(50, { acceptedAt: '2016-02-01T10:00:00+03:00' })],
      }),
      [aTally('client', 'premium', 60)],
    ),
    'not accepted': pay(aReference(), [aTally('client', 'premium', 60)]),
    'accepted late once': pay(aReference({ acceptances: [clientAt(50, { acceptedAt: AFTER_DEADLINE })] }), [
      aTally('client', 'premium', 60),
    ]),
    'accepted late three times': pay(
      aReference({
        acceptances: [
          clientAt(50, { acceptedAt: AFTER_DEADLINE }),
          clientAt(150, { acceptedAt: '2016-04-06T12:00:00+03:00' }),
          clientAt(null, { acceptedAt: '2016-04-07T12:00:00+03:00' }),
        ],
      }),
      [aTally('client', 'premium', 60)],
    ),
    'a plan that is not a threshold': pay(aReference({ acceptances: [clientAt(100)] }), [aTally('client', 'premium', 60)]),
    'plan 150 chosen, 146 units': pay(aReference({ acceptances: [clientAt(150)] }), [aTally('client', 'premium', 146)]),
    'no plan chosen, 37 units': pay(aReference({ acceptances: [clientAt(null)] }), [aTally('client', 'vostro-3xxx', 37)]),
    'enterprise plan not met, trainings missing too': pay(
      aReference({ acceptances: [anAcceptance('enterprise', 5)], trainings: [aTraining('DPES0909WBTT', { completedAt: AFTER_DEADLINE })] }),
      [aTally('enterprise', '2xx-3xx', 3)],
    ),
    'enterprise trainings missing': pay(aReference({ acceptances: [anAcceptance('enterprise', null)] }), [
      aTally('enterprise', '2xx-3xx', 6),
    ]),
    'paid, with acceptances ignored': pay(
      aReference({
        acceptances: [
          clientAt(50),
          clientAt(150, { acceptedAt: '2016-02-01T10:00:00+03:00' }),
          clientAt(150, { acceptedAt: AFTER_DEADLINE }),
        ],
      }),
      [aTally('client', 'premium', 42), aTally('client', 'vostro-3xxx', 1, { distributorId: 'D2' }), aTally('client', 'mainstream', 2, { distributorId: 'D3' }), aTally('client', 'mainstream', 5)],
    ),
    'precision untrained, one course late': pay(
      aReference({
        acceptances: [clientAt(50)],
        trainings: [aTraining('DPWS0212WBTS'), aTraining('DPWT0212WBTT', { completedAt: '2016-04-15T11:00:00+03:00' })],
      }),
      [aTally('client', 'workstation', 40), aTally('client', 'workstation', 10, { gate: 'precision' })],
    ),
    'a negative net and a net of zero': pay(aReference({ acceptances: [clientAt(50)], trainings: trainedFor('precision') }), [
      aTally('client', 'premium', 60),
      aTally('client', 'mainstream', -3, { distributorId: 'D2' }),
      aTally('client', 'vostro-3xxx', 5, { distributorId: 'D3' }),
      aTally('client', 'vostro-3xxx', -5, { distributorId: 'D3' }),
    ]),
    'a zero rate': pay(aReference({ acceptances: [anAcceptance('monitors', null)] }), [
      aTally('monitors', '17-20', 90),
      aTally('monitors', '24-25', 10),
    ]),
  };
}

