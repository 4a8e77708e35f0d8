/**
 * What an audit entry or an approval is about, as a code with parameters, and its words in either
 * language. Entries store the subject beside their English `target` (kept for older readers); an
 * entry written before subjects were recorded is read back from its `target` when a known form
 * wrote it. Identifiers, keys and names stay as recorded in every language.
 */
import { int, type Lang } from './format.js';

export const ROW_KINDS = ['partners', 'distributors', 'acceptances', 'trainings', 'catalog'] as const;
export type RowKind = (typeof ROW_KINDS)[number];

/** The rows of one kind a change names: the first few identifiers, and how many more. */
export interface RowGroup {
  what: RowKind;
  named: string[];
  more: number;
}

export type AuditSubject =
  | { code: 'close'; params: { quarter: string; askedBy?: string } }
  | { code: 'rows'; params: { groups: RowGroup[]; askedBy?: string } }
  | { code: 'report'; params: { key: string } }
  | { code: 'export'; params: { quarter: string; format: string } }
  | { code: 'payment'; params: { paymentId: string; partner: string; distributor: string; quarter: string } }
  | { code: 'redemption'; params: { reward: string; partner: string } }
  | { code: 'rules'; params: { quarter: string; version: string } };

export const AUDIT_SUBJECT_CODES = [
  'close',
  'rows',
  'report',
  'export',
  'payment',
  'redemption',
  'rules',
] as const;

const NAMED = 5;

/** A change's rows as the groups its subject names: at most five identifiers of each kind. */
export function rowGroups(named: Partial<Record<RowKind, readonly string[]>>): RowGroup[] {
  return ROW_KINDS.filter((k) => named[k]?.length).map((what) => {
    const unique = [...new Set(named[what])];
    return { what, named: unique.slice(0, NAMED), more: Math.max(0, unique.length - NAMED) };
  });
}

/** Subjects that can be asked for: a close, or a change of rows. */
export type RequestSubject = Extract<AuditSubject, { code: 'close' | 'rows' }>;

/** The subject of a decision on a request: the request's subject, with who asked. */
export const askedBySubject = (s: RequestSubject, askedBy: string): RequestSubject =>
  ({ ...s, params: { ...s.params, askedBy } }) as RequestSubject;

const ROW_KIND_RU: Record<RowKind, string> = {
  partners: 'партнёры',
  distributors: 'дистрибьюторы',
  acceptances: 'принятия программы',
  trainings: 'обучения',
  catalog: 'товары каталога',
};

function names(g: RowGroup, lang: Lang): string {
  const list = g.named.join(', ');
  if (!g.more) return list;
  return lang === 'ru' ? `${list} и ещё ${int(g.more, lang)}` : `${list}, and ${g.more} more`;
}

function english(s: AuditSubject): string {
  switch (s.code) {
    case 'close':
      return `close of quarter ${s.params.quarter}${s.params.askedBy ? `, asked by ${s.params.askedBy}` : ''}`;
    case 'rows':
      return `${s.params.groups.map((g) => `${g.what} of ${names(g, 'en')}`).join('; ')}${
        s.params.askedBy ? `, asked by ${s.params.askedBy}` : ''
      }`;
    case 'report':
      return `report ${s.params.key}`;
    case 'export':
      return `export of quarter ${s.params.quarter} (${s.params.format})`;
    case 'payment':
      return `payment ${s.params.paymentId} to ${s.params.partner} for ${s.params.distributor} in ${s.params.quarter}`;
    case 'redemption':
      return `redemption of ${s.params.reward} by ${s.params.partner}`;
    case 'rules':
      return `rules of quarter ${s.params.quarter}, version ${s.params.version}`;
  }
}

function russian(s: AuditSubject): string {
  switch (s.code) {
    case 'close':
      return `закрытие квартала ${s.params.quarter}${s.params.askedBy ? ` по запросу ${s.params.askedBy}` : ''}`;
    case 'rows':
      return `${s.params.groups.map((g) => `${ROW_KIND_RU[g.what]}: ${names(g, 'ru')}`).join('; ')}${
        s.params.askedBy ? ` — по запросу ${s.params.askedBy}` : ''
      }`;
    case 'report':
      return `отчёт ${s.params.key}`;
    case 'export':
      return `выгрузка квартала ${s.params.quarter} (${s.params.format})`;
    case 'payment':
      return `выплата ${s.params.paymentId} партнёру ${s.params.partner} через ${s.params.distributor} за ${s.params.quarter}`;
    case 'redemption':
      return `обмен баллов на награду ${s.params.reward}, партнёр ${s.params.partner}`;
    case 'rules':
      return `правила квартала ${s.params.quarter}, версия ${s.params.version}`;
  }
}

/** The subject in words; English is exactly the `target` an entry records. */
export function subjectText(s: AuditSubject, lang: Lang): string {
  return lang === 'ru' ? russian(s) : english(s);
}

const ASKED = /^(.*), asked by (.+)$/s;
const QUARTER = '(\\d{4}-Q[1-4])';

function rowsFromTarget(text: string): RowGroup[] | null {
  const groups: RowGroup[] = [];
  for (const part of text.split('; ')) {
    const m = /^(partners|distributors|acceptances|trainings|catalog) of (.+?)(?:, and (\d+) more)?$/s.exec(
      part,
    );
    if (!m) return null;
    groups.push({ what: m[1] as RowKind, named: m[2]!.split(', '), more: m[3] ? Number(m[3]) : 0 });
  }
  return groups;
}

/** The subject an English `target` was written from, when a known form wrote it; else null. */
export function subjectFromTarget(target: string): AuditSubject | null {
  const askedMatch = ASKED.exec(target);
  const [body, askedBy] = askedMatch ? [askedMatch[1]!, askedMatch[2]!] : [target, undefined];
  const withAsked = (s: RequestSubject): AuditSubject => (askedBy ? askedBySubject(s, askedBy) : s);
  let m = new RegExp(`^close of quarter ${QUARTER}$`).exec(body);
  if (m) return withAsked({ code: 'close', params: { quarter: m[1]! } });
  const groups = rowsFromTarget(body);
  if (groups) return withAsked({ code: 'rows', params: { groups } });
  // The forms below never carry "asked by": a comma in a key or name belongs to it.
  if ((m = /^report (.+)$/s.exec(target))) return { code: 'report', params: { key: m[1]! } };
  if ((m = new RegExp(`^export of quarter ${QUARTER} \\((\\w+)\\)$`).exec(target)))
    return { code: 'export', params: { quarter: m[1]!, format: m[2]! } };
  if ((m = new RegExp(`^payment (\\S+) to (.+) for (.+) in ${QUARTER}$`, 's').exec(target)))
    return {
      code: 'payment',
      params: { paymentId: m[1]!, partner: m[2]!, distributor: m[3]!, quarter: m[4]! },
    };
  if ((m = /^redemption of (\S+) by (.+)$/s.exec(target)))
    return { code: 'redemption', params: { reward: m[1]!, partner: m[2]! } };
  if ((m = new RegExp(`^rules of quarter ${QUARTER}, version (.+)$`, 's').exec(target)))
    return { code: 'rules', params: { quarter: m[1]!, version: m[2]! } };
  return null;
}

/**
 * What an entry is about in the reader's language: from its subject, else read back from its
 * target; a target in no known form is given as written, in English.
 */
export function targetSaid(
  e: { target: string; subject?: AuditSubject },
  lang: Lang,
): { text: string; lang: Lang } {
  const subject = e.subject ?? subjectFromTarget(e.target);
  return subject ? { text: subjectText(subject, lang), lang } : { text: e.target, lang: 'en' };
}
