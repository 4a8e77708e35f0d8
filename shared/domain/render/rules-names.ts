/**
 * The rules file's programs, rate rows and training gates in the reader's language, for the answers
 * that list them (GET /quarters/{q}/rules). The file's labels are English; Russian names come from
 * the same tables the sentences use, and a gate or row without one keeps the file's label.
 */
import type { Lang } from './format.js';
import { programRu, rateRowRu } from './ru.js';

const GATES_RU: Record<string, string> = {
  enterprise: 'Программа для предприятий: один сейлз и один технический тренинг, каждый — один из четырёх',
  precision: 'Рабочие станции Dell Precision: один сейлз и один технический тренинг',
  rugged: 'Latitude Rugged: один сейлз тренинг',
};

export function programName(id: string, label: string, lang: Lang): string {
  if (lang === 'en') return label;
  const ru = programRu(id);
  return ru === id ? label : ru;
}

export function rateRowName(id: string, label: string, lang: Lang): string {
  if (lang === 'en') return label;
  const ru = rateRowRu(id);
  return ru === id ? label : ru;
}

export const trainingGateName = (id: string, label: string, lang: Lang): string =>
  lang === 'en' ? label : (GATES_RU[id] ?? label);
