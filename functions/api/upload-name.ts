import { InputValidationError } from '../../shared/errors.js';

/**
 * In UTF-8 bytes, not characters: storage limits count bytes (a Linux file name, which s3rver
 * makes of the key's last segment plus up to 22 bytes of suffix, is at most 255; the rejects file
 * adds `.rejects`), and a Cyrillic letter is two bytes.
 */
export const MAX_NAME_BYTES = 200;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const REPORT_EXTENSION = /\.csv(\.gz)?$/i;

/**
 * A report file name that can go into `incoming/<distributor>/<name>` as it is: one path segment
 * (no `/`, `\` or `..`), no control characters, ending .csv or .csv.gz so ingest picks it up.
 * The extension is lower-cased because S3's notification filter is case-sensitive: `REPORT.CSV`
 * would be stored and never read. Spaces, Cyrillic and the rest of the name's case are kept: the
 * name is how the distributor recognises the report.
 */
export function safeUploadName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  const problems: string[] = [];
  // Each problem's code beside its words, so the message can be said in another language.
  const codes: string[] = [];
  const problem = (code: string, text: string) => void (codes.push(code), problems.push(text));
  if (!name) problem('empty', 'the name is empty');
  if (CONTROL.test(name)) problem('control', 'it contains control characters');
  if (/[/\\]/.test(name)) problem('slash', 'it contains a slash; give the file name only, without folders');
  if (name.includes('..')) problem('dots', 'it contains ".."');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES)
    problem(
      'too-long',
      `it is too long (${bytes} bytes; at most ${MAX_NAME_BYTES}, which is about ${MAX_NAME_BYTES / 2} Cyrillic or ${MAX_NAME_BYTES} Latin letters)`,
    );
  if (name && !REPORT_EXTENSION.test(name))
    problem('extension', 'reports must be .csv or .csv.gz files (save a spreadsheet as CSV first)');
  if (name && !name.replace(REPORT_EXTENSION, '').trim()) problem('no-name', 'it has no name before .csv');
  if (problems.length) {
    const shown = [...raw].slice(0, 80).join('').replace(new RegExp(CONTROL.source, 'g'), '?');
    throw new InputValidationError(`The file name "${shown}" cannot be used: ${problems.join('; ')}.`, problems, {
      key: 'file-name-unusable',
      params: { name: shown, problems: codes, bytes, max: MAX_NAME_BYTES },
    });
  }
  return name.replace(REPORT_EXTENSION, (ext) => ext.toLowerCase());
}
