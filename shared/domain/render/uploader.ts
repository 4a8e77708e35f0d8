/**
 * Who uploaded a report when it was the `rebates` command (`run`, `up`, `ingest` without `up`):
 * recorded in the fixed English form "the rebates command (<user>)", which serves as its code, and
 * said in the reader's language. Any other uploader ("<role> <user>", an S3 principal) is a name and
 * stays as recorded in every language.
 */
import type { Lang } from './format.js';

const COMMAND = /^the rebates command \((.*)\)$/s;
/** The user when the machine names none. */
export const NO_USER = 'local user';

/** What `rebates` records as the uploader of the reports it sends. */
export const commandUploader = (user: string | undefined): string => `the rebates command (${user ?? NO_USER})`;

/** The uploader in the reader's language: the command's in words, any other as recorded. */
export function uploaderText(by: string, lang: Lang): string {
  const m = COMMAND.exec(by);
  if (!m || lang === 'en') return by;
  const user = m[1]!;
  return user === NO_USER ? 'команда rebates (локальный пользователь)' : `команда rebates (пользователь ${user})`;
}

/** The reader's words for `by` when they differ from the recorded ones, else nothing. */
export const uploaderWords = (by: string, lang: Lang): { byText: string; byLang: Lang } | Record<string, never> => {
  const text = uploaderText(by, lang);
  return text === by ? {} : { byText: text, byLang: lang };
};
