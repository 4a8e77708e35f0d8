/**
 * Codes the API sends (regions, partner statuses, programs, rate rows, report failures, error codes)
 * shown in the reader's language: each has a label `<kind>_<code>` in labels.js, dashes as
 * underscores. A code without a label (a region added to the registry later) is shown as it is.
 */
import { h } from './dom.js';
import { getLang, t } from './i18n.js';
import { STRINGS } from './labels.js';
import { nameOf } from './names.js';

const keyOf = (kind, code) => `${kind}_${String(code).replace(/[^A-Za-z0-9]+/g, '_')}`;

export function codeLabel(kind, code) {
  if (code === null || code === undefined || code === '') return '';
  const named = nameOf(kind, code);
  const key = keyOf(kind, code);
  const labelled = key in STRINGS[getLang()] || key in STRINGS.en;
  // Russian: the rules files' names first, as the server's sentences say them. English keeps its
  // short labels; the files' (longer) names only for a code the labels do not know.
  if (named && (getLang() === 'ru' || !labelled)) return named;
  return labelled ? t(key) : String(code);
}

const CYRILLIC = /[А-Яа-яЁё]/;

/**
 * An API error in plain words: the server's own sentence when it is in the page's language (English,
 * or Russian once the API answers in it), else the sentence for its code.
 */
export function errorText(err) {
  const text = err?.message ?? String(err);
  if (getLang() === 'en' || CYRILLIC.test(text)) return text;
  const key = keyOf('error', err?.code ?? 'http-error');
  return key in STRINGS[getLang()] ? t(key, err?.params ?? {}) : t('error_http_error');
}

/**
 * Why a report failed, in one sentence a distributor understands; `details` is the server's full
 * text (for header problems: every accepted column name), shown behind a toggle.
 */
export function failureText(error) {
  if (!error) return { sentence: '', details: '' };
  // The missing fields as the server names them in the page's language (its Russian text), else its English.
  const missing =
    (getLang() === 'ru' && error.textLang === 'ru' ? /нет столбца для полей: ([^.]+)\./.exec(error.text ?? '') : null)?.[1]?.trim() ??
    /no column for:? ([^.]+)\./i.exec(error.message ?? '')?.[1]?.trim();
  const key = keyOf('failure', error.code);
  const sentence =
    key in STRINGS[getLang()] ? t(key, { missing: missing ?? '' }) : t('failure_unknown');
  return { sentence, details: error.text ?? error.message ?? '' };
}

/** A points entry's source code (`payout:…`, `course:…`, `quarter:…`, `reward:…`) in words. */
export function pointsSource(source) {
  const payout = /^payout:([^/]+)\/[^/]+\/([^/]+)\/([^/]+)\/(.+)$/.exec(source ?? '');
  if (payout)
    return t('sourcePayout', {
      q: payout[1],
      distributor: payout[2],
      program: codeLabel('program', payout[3]),
      rateRow: codeLabel('rateRow', payout[4]),
    });
  const [kind, rest = ''] = String(source ?? '').split(/:(.*)/s);
  const key = `source_${kind}`;
  return key in STRINGS[getLang()] ? t(key, { id: rest.split(':')[0] }) : String(source ?? '');
}

/**
 * The language of a server sentence, for its `lang` attribute: Russian once the API words it so,
 * English until then (a quoted Cyrillic product name inside an English sentence does not count).
 */
export function textLang(text) {
  const latin = (String(text ?? '').match(/[A-Za-z]/g) ?? []).length;
  const cyrillic = (String(text ?? '').match(/[А-Яа-яЁё]/g) ?? []).length;
  return cyrillic > latin ? 'ru' : 'en';
}

/**
 * A server sentence as a cell, marked with its language: `lang` as the server says it (reject and
 * held-line details come in the reader's language, `messageLang`), else judged from the text. An
 * older record's detail the server can only give in English is shown as it is, marked English.
 */
export function serverSentence(text, lang) {
  return h('span', { lang: lang ?? textLang(text) }, text);
}
