/**
 * Names from the rules files (GET /names): programs, rate rows and rewards named on a Russian page as
 * the server's sentences name them, and a code only a newer rules file knows named at all (codes.js
 * codeLabel decides which comes first). Without them (not loaded) the labels of labels.js apply.
 */
import { getLang } from './i18n.js';

const KINDS = { program: 'programs', rateRow: 'rateRows', reward: 'rewards' };
let names = {};

export const useNames = (answer) => void (names = answer && typeof answer === 'object' ? answer : {});

// The files write a Russian name as it reads inside a sentence ("массовый сегмент"); shown alone,
// it starts with a capital, as the labels do.
const capitalised = (s) => s.charAt(0).toLocaleUpperCase('ru-RU') + s.slice(1);

/** The rules files' name of a code in the page's language, or undefined. */
export function nameOf(kind, code) {
  const name = names[getLang()]?.[KINDS[kind]]?.[code];
  return typeof name === 'string' && name ? capitalised(name) : undefined;
}

/** A reward of GET /rewards by its name in the page's language. */
export const rewardLabel = (reward) => (getLang() === 'ru' && reward.nameRu ? capitalised(reward.nameRu) : reward.name);
