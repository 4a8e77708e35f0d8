/**
 * A rejected line of a report's rejects file as the API answers it: the file keeps the English
 * sentence (its columns are fixed by data-formats §1), and the reader gets it in their language,
 * read back into its code when a known form wrote it; `messageLang` says which language it is in.
 */
import { lineDetail } from '../../shared/domain/render/details.js';
import type { Lang } from '../../shared/domain/render/format.js';
import type { RejectRow } from '../../shared/export/rejects-csv.js';

export function rejectJson(row: RejectRow, lang: Lang) {
  const said = lineDetail(row, row.code, lang);
  return { ...row, message: said.text, messageLang: said.lang };
}
