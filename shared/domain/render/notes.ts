/**
 * The `note` of an API answer (what was done and what follows), from a code and its figures, in the
 * reader's language. The English sentences are the ones the API has always sent: clients match them.
 */
import { grouped, int, pick, type Lang } from './format.js';

export type ApiNote =
  /** A reference change waits: a closed quarter's figures are being checked against it. */
  | { code: 'change-evaluating'; params: { request: string } }
  /** A reference change was saved and these quarters are being recomputed (none: no quarter has rules). */
  | { code: 'change-saved'; params: { quarters: readonly string[] } }
  /** A closed quarter's live recalculation, not what was paid. */
  | { code: 'closed-live'; params: { quarter: string } }
  | {
      code: 'payment-recorded';
      params: { amount: string; partner: string; distributor: string; quarter: string };
    }
  /** The same redemption request again: nothing spent twice. */
  | { code: 'redemption-repeated'; params: Record<string, never> }
  /**
   * `reason`: the ledger entry's English reason, which the English note quotes; the Russian note says
   * the same from its parts (`rewardName`: the reward's name in the reader's language).
   */
  | {
      code: 'redeemed';
      params: { reason: string; points: number; rewardName: string; request: string; role: string; sub: string };
    };

const ROLES_RU: Record<string, string> = {
  finance: 'финансы',
  program: 'менеджер программы',
  manager: 'менеджер по партнёрам',
  distributor: 'дистрибьютор',
};

function en(note: ApiNote): string {
  switch (note.code) {
    case 'change-evaluating':
      return (
        'Not saved yet: a quarter is closed, so this change is being checked against its figures. ' +
        'If it changes none, it is saved; if it does, it waits for a program manager or finance user other than you to approve it. ' +
        `Follow it under approvals (request ${note.params.request}).`
      );
    case 'change-saved':
      return note.params.quarters.length
        ? `Saved. The payouts of ${note.params.quarters.join(', ')} are being recomputed and will show the change shortly.`
        : 'Saved. No quarter has rules yet, so nothing is recomputed.';
    case 'closed-live':
      return `Live recalculation of closed quarter ${note.params.quarter}: not what was paid. The frozen figures are the default view.`;
    case 'payment-recorded': {
      const p = note.params;
      return `Recorded: ${p.amount} RUB paid to ${p.partner} for ${p.distributor} in ${p.quarter}. The export marks it.`;
    }
    case 'redemption-repeated':
      return 'This request was already recorded; nothing was spent twice.';
    case 'redeemed':
      return `Redeemed: ${note.params.reason}.`;
  }
}

function ru(note: ApiNote): string {
  switch (note.code) {
    case 'change-evaluating':
      return (
        'Пока не сохранено: квартал закрыт, поэтому изменение проверяется по его суммам. ' +
        'Если оно их не меняет, оно сохраняется; если меняет, ждёт одобрения менеджера программы или сотрудника финансов (не вас). ' +
        `Следите за ним в разделе «Одобрения» (запрос ${note.params.request}).`
      );
    case 'change-saved': {
      const qs = note.params.quarters;
      if (!qs.length) return 'Сохранено. Правил ещё нет ни для одного квартала, поэтому ничего не пересчитывается.';
      const word = qs.length === 1 ? 'квартала' : 'кварталов';
      return `Сохранено. Выплаты ${word} ${qs.join(', ')} пересчитываются и вскоре покажут изменение.`;
    }
    case 'closed-live':
      return `Пересчёт закрытого квартала ${note.params.quarter} по текущим данным: это не то, что выплачено. По умолчанию показаны зафиксированные суммы.`;
    case 'payment-recorded': {
      const p = note.params;
      return `Записано: ${grouped(p.amount, 'ru')} руб. выплачено партнёру ${p.partner} через дистрибьютора ${p.distributor} за ${p.quarter}. Выгрузка это отмечает.`;
    }
    case 'redemption-repeated':
      return 'Этот запрос уже записан; баллы не списаны повторно.';
    case 'redeemed': {
      const p = note.params;
      const points = `${int(p.points, 'ru')} ${pick(p.points, 'ru', { one: 'балл', few: 'балла', many: 'баллов', other: 'балла' })}`;
      return `Списано ${points} за «${p.rewardName}» (запрос ${p.request}), записал(а): ${ROLES_RU[p.role] ?? p.role} ${p.sub}.`;
    }
  }
}

export const noteText = (note: ApiNote, lang: Lang): string => (lang === 'ru' ? ru(note) : en(note));
