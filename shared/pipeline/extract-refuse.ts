import { ExtractIntegrityError } from '../errors.js';

/** Refuses a stored extract that cannot be used, whichever its form, saying what is wrong with it. */
export function refuse(what: string, cause?: unknown): never {
  throw new ExtractIntegrityError(
    `The stored report extract cannot be used: ${what}. Re-read the report to rebuild it.`,
    { cause, key: 'extract-unusable' },
  );
}
