/**
 * Why a what-if preview's thresholds, rates or extra units cannot be applied, as data, so the list
 * can be said in the reader's language. English is word for word what the preview always wrote;
 * each entry starts with the field's path in the request (rates.…, plans.…, units.N).
 */
import type { Lang } from './format.js';

export type PreviewIssue =
  /** `rates["program/rateRow/plan"]` names no rate of the quarter. */
  | { kind: 'rate-unknown'; key: string; quarter: string; program: string; rateRow: string; plan: string }
  /** `plans["program/plan"]` names no plan of the quarter. */
  | { kind: 'plan-unknown'; key: string; quarter: string; program: string; plan: string }
  /** Moving the threshold would leave the program's plans out of order or repeated. */
  | { kind: 'plans-order'; key: string; program: string; plans: readonly number[] }
  /** `units[index]` names a rate row the quarter does not have. */
  | { kind: 'extra-no-rate-row'; index: number; quarter: string; program: string; rateRow: string };

export function previewIssueText(i: PreviewIssue, lang: Lang): string {
  if (lang === 'ru')
    switch (i.kind) {
      case 'rate-unknown':
        return `rates.${i.key}: в правилах ${i.quarter} нет ставки для плана ${i.plan} в ${i.program}/${i.rateRow}`;
      case 'plan-unknown':
        return `plans.${i.key}: в правилах ${i.quarter} нет плана ${i.plan} в программе ${i.program}`;
      case 'plans-order':
        return `plans.${i.key}: пороги плана программы ${i.program} должны идти по возрастанию без повторов (${i.plans.join(', ')})`;
      case 'extra-no-rate-row':
        return `units.${i.index}: в правилах ${i.quarter} нет строки ставок ${i.program}/${i.rateRow}`;
    }
  switch (i.kind) {
    case 'rate-unknown':
      return `rates.${i.key}: the ${i.quarter} rules have no rate for plan ${i.plan} of ${i.program}/${i.rateRow}`;
    case 'plan-unknown':
      return `plans.${i.key}: the ${i.quarter} rules have no plan ${i.plan} in program ${i.program}`;
    case 'plans-order':
      return `plans.${i.key}: the plans of ${i.program} must stay in rising order without repeats (${i.plans.join(', ')})`;
    case 'extra-no-rate-row':
      return `units.${i.index}: the ${i.quarter} rules have no rate row ${i.program}/${i.rateRow}`;
  }
}
