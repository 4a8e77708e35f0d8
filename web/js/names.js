/**
 * Russian names from the rules files (GET /names): programs, rate rows and rewards named on a Russian
 * page as the server's sentences name them, a code only a newer rules file knows included. Without
 * them (not loaded yet, or an English page) the labels of labels.js apply.
 */
import { getLang } from './i18n.js';

const KINDS = { program: 'programs', rateRow: 'rateRows', reward: 'rewards' };
let names = { ru: {} };

export const useNames = (answer) => void (names = answer && typeof answer === 'object' ? answer : { ru: {} });

// The files write a name as it reads inside a sentence ("массовый сегмент"); shown alone, it starts
// with a capital, as the labels do.
const capitalised = (s) => s.charAt(0).toLocaleUpperCase('ru-RU') + s.slice(1);

/** The rules files' name of a code in the page's language, or undefined. */
export function nameOf(kind, code) {
  const name = names[getLang()]?.[KINDS[kind]]?.[code];
  return typeof name === 'string' && name ? capitalised(name) : undefined;
}

/** A reward of GET /rewards by its name in the page's language. */
export const rewardLabel = (reward) => (getLang() === 'ru' && reward.nameRu ? capitalised(reward.nameRu) : reward.name);
