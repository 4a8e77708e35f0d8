/**
 * The one place sentences are written: payout explanations, warnings, tier progress, points
 * reasons and adjustments, from their codes and figures, in English or Russian. Pure; results
 * store none of it, so a reader gets their language at read time.
 */
import type { LedgerEntry, LedgerWhy, PointsReason } from '../points.js';
import type { ChangeCause, Explanation, ExplainedLine, PayoutWarning, TierProgress } from '../types.js';
import { en } from './en.js';
import { lineFacts } from './facts.js';
import { toDecimal, type Lang } from './format.js';
import { ru } from './ru.js';
import type { Sentences } from './sentences.js';

export { LANGS, type Lang } from './format.js';

const SENTENCES: Record<Lang, Sentences> = { en, ru };

/** A line's explanation as one sentence (or a few) a partner manager can read out. */
export function explainLine(line: ExplainedLine, lang: Lang): string {
  const ex = line.explanation;
  const p = ex.params ?? {};
  if (ex.code === 'stored-text') return p.text ?? '';
  if (ex.code === 'adjustment') {
    const before = { units: p.before?.units ?? 0, amount: toDecimal(p.before?.amount ?? '0') };
    const after = { units: p.after?.units ?? 0, amount: toDecimal(p.after?.amount ?? '0') };
    return SENTENCES[lang].adjustment(
      { of: p.of ?? '', before, after, delta: after.amount.minus(before.amount), causes: p.causes ?? [] },
      p.now ? explainLine(p.now, lang) : null,
    );
  }
  return SENTENCES[lang].line(lineFacts(line));
}

export function warningText(w: PayoutWarning, lang: Lang): string {
  return w.code === 'stored-text' ? w.params.text : SENTENCES[lang].warning(w);
}

/** The highest plan met as the calculation judges it: a chosen plan only once met. */
function reachedPlan(p: TierProgress): number | null {
  if (p.chosenPlan !== null) return p.units >= p.chosenPlan ? p.chosenPlan : null;
  return p.thresholds.filter((t) => p.units >= t).at(-1) ?? null;
}

export function progressSummary(p: TierProgress, lang: Lang): string {
  // Progress stored before its fields said everything carries its English line.
  if (p.registered === undefined && p.summary !== undefined) return p.summary;
  return SENTENCES[lang].progress(p, reachedPlan(p));
}

export function pointsReason(r: PointsReason, lang: Lang): string {
  return r.code === 'stored-text' ? r.params.text : SENTENCES[lang].earning(r);
}


/** Why a closed quarter's figures changed, as an adjustment's sentence says it after "after". */
export function causesText(causes: readonly ChangeCause[], lang: Lang): string {
  return SENTENCES[lang].causes(causes);
}

/**
 * A line's `missingCourses` in `lang`, from the groups its sentence names when they are the ones
 * the list was written from. Otherwise only the English list exists (lines stored before codes,
 * and lines whose sentence names fewer groups than are missing): its "one of" is translated.
 */
export function missingCoursesText(ex: Pick<Explanation, 'missingCourses' | 'params'>, lang: Lang): string[] | null {
  const listed = ex.missingCourses;
  if (!listed) return listed;
  const groups = ex.params?.missing;
  if (groups && groups.length === listed.length && groups.every((g, i) => en.courses(g) === listed[i]))
    return groups.map((g) => SENTENCES[lang].courses(g));
  return lang === 'en' ? listed : listed.map((c) => c.replace(/^one of /, 'один из: '));
}

/** One cause on its own, as a list of an adjustment's causes shows it. */
export function causeText(cause: ChangeCause, lang: Lang): string {
  return SENTENCES[lang].cause(cause);
}

/** A ledger entry's reason: from its code when it has one, else the sentence it was written with. */
export function ledgerReason(why: LedgerWhy, lang: Lang): string {
  return SENTENCES[lang].ledger(why);
}

export const ledgerEntryReason = (e: Pick<LedgerEntry, 'reason' | 'why'>, lang: Lang): string =>
  e.why ? ledgerReason(e.why, lang) : e.reason;
