/**
 * A rejected line of a report's rejects file as the API answers it: the file keeps the English
 * sentence (its columns are fixed by data-formats §1), and the reader gets it in their language,
 * read back into its code when a known form wrote it; `messageLang` says which language it is in.
 */
import { lineDetail } from '../../shared/domain/render/details.js';
import type { Lang } from '../../shared/domain/render/format.js';
import type { RejectRow } from '../../shared/export/rejects-csv.js';
import type { ErrorParams } from '../../shared/errors.js';
import { errorRu } from '../../shared/domain/render/errors-ru.js';

export function rejectJson(row: RejectRow, lang: Lang) {
  const said = lineDetail(row, row.code, lang);
  return { ...row, message: said.text, messageLang: said.lang };
}

/**
 * Why a whole report failed: `message` stays the stored English sentence (what older clients read),
 * `text` is it in the reader's language where a known form wrote it, or from the error's own key
 * and params (stored since issue #15), `textLang` says which.
 */
export function failureJson(stored: { code: string; message: string; key?: string; params?: ErrorParams }, lang: Lang) {
  const { key, params, ...error } = stored;
  const said = lineDetail(error, error.code, lang);
  if (said.lang !== lang && lang === 'ru' && key)
    return { ...error, text: errorRu({ ...error, key, params: params ?? {} }).message, textLang: lang };
  return { ...error, text: said.text, textLang: said.lang };
}
