/**
 * Who uploaded a report version, in the reader's words (issue #14): an upload URL's user is recorded
 * as "<role> <user>" and shown as "user (Role)"; a write straight into S3 names the S3 principal and,
 * for finance and program only (the API leaves it out for others), the address it came from.
 */
import { codeLabel } from './codes.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const SLOT = '\u0000';

/** The role of "<role> <user>" in the reader's language, or null when `text` is not of that form. */
function userWithRole(text) {
  const [role, ...rest] = String(text).split(' ');
  const label = rest.length ? codeLabel('role', role) : '';
  return label && label !== role ? `${rest.join(' ')} (${label})` : null;
}

/**
 * The sentence for `uploader` (`{ by, via, sourceIp?, byText?, byLang? }`) as nodes, or null when
 * nobody was recorded. The rebates command is shown in the words the API gives it in the reader's
 * language (`byText`); anything else recorded is shown as written, marked English.
 */
export function uploaderLine(uploader) {
  if (!uploader?.by) return null;
  const key = uploader.via === 's3' ? (uploader.sourceIp ? 'uploadedByS3From' : 'uploadedByS3') : 'uploadedBy';
  const named = uploader.via === 's3' ? uploader.by : userWithRole(uploader.by);
  const who = named ?? h('span', { lang: uploader.byLang ?? 'en' }, uploader.byText ?? uploader.by);
  const [before, after = ''] = t(key, { who: SLOT, ip: uploader.sourceIp ?? '' }).split(SLOT);
  return [before, who, after];
}
