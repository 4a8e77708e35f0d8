/**
 * Each cause of an adjustment with its sentence in the reader's language (issue #14 point 2,
 * #15 point 4): the dashboard shows `text` as it is, marked `lang`, instead of wording the
 * structured fields itself in English. Built from the cause as the reader may read it, so an
 * address hidden from the reader (report-uploader.ts) is not in its sentence either.
 */
import { causeText, type Lang } from '../../shared/domain/render/index.js';
import type { ChangeCause } from '../../shared/domain/types.js';

export type CauseJson = ChangeCause & { text: string; lang: Lang };

export const causeJson = (cause: ChangeCause, lang: Lang): CauseJson => ({ ...cause, text: causeText(cause, lang), lang });
