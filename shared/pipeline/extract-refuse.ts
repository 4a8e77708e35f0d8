import { ExtractIntegrityError } from '../errors.js';

/** Refuses a stored extract that cannot be used, whichever its form, saying what is wrong with it. */
export function refuse(what: string, cause?: unknown): never {
  throw new ExtractIntegrityError(
    `The stored report extract cannot be used: ${what}. Re-read the report to rebuild it.`,
    { cause, key: 'extract-unusable' },
  );
}

/**
 * Refuses counts that do not add up: lines read are lines extracted plus rejected, rejects by
 * reason add up to the rejected, and, once the quarters are read, the lines they hold (`held`)
 * are the lines extracted.
 */
export function checkCounts(
  counts: { read: number; extracted: number; rejected: number; byReason: Record<string, number> },
  held?: number,
): void {
  if (counts.read !== counts.extracted + counts.rejected)
    refuse(
      `lines read (${counts.read}) are not lines extracted (${counts.extracted}) plus rejected (${counts.rejected})`,
    );
  const byReason = Object.values(counts.byReason).reduce((a, b) => a + b, 0);
  if (byReason !== counts.rejected) refuse(`rejects by reason add up to ${byReason}, not ${counts.rejected}`);
  if (held !== undefined && held !== counts.extracted)
    refuse(`it says ${counts.extracted} lines extracted but holds ${held}`);
}
