/**
 * Russian names of programs and rate rows as the rules files give them (`nameRu`, `labelRu`). Every
 * rules file checked by parseRules teaches them here, so Russian sentences name a program or rate row
 * the way its rules file does, without every caller of the renderer passing the rules along. A code
 * no loaded rules file names falls back to the renderer's built-in table, then to the code itself.
 */
import type { RulesFile } from '../rules/schema.js';

const programs = new Map<string, string>();
const rateRows = new Map<string, string>();

export function learnNames(file: RulesFile): void {
  for (const p of file.programs) {
    if (p.nameRu) programs.set(p.id, p.nameRu);
    for (const r of p.rateRows) if (r.labelRu) rateRows.set(r.id, r.labelRu);
  }
}

export const programNameRu = (id: string): string | undefined => programs.get(id);
export const rateRowNameRu = (id: string): string | undefined => rateRows.get(id);

/** A reward's name in the reader's language: its `nameRu` for Russian when the rules file has one. */
export function rewardName(reward: { name: string; nameRu?: string | undefined }, lang: 'en' | 'ru'): string {
  return lang === 'ru' ? (reward.nameRu ?? reward.name) : reward.name;
}
