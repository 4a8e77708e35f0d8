/**
 * Which report counts a distributor's file, by its bytes (issue #13, point 5): the same file under
 * a second name must not count twice. One item per distributor and sha256, written conditionally,
 * so of two uploads of the same bytes at the same time exactly one holds it.
 *
 * The claim also names the quarters the holder's version has lines in, and is written with that
 * version's record, in one transaction (`ReportsRepository.commit`): it is how a quarter's computation finds the report (see
 * `ReportsRepository.activeInQuarter`), so a report needs no membership item per quarter.
 */

/** The report that holds the bytes, and the version (and upload) of it that claimed them. */
export interface FileClaim {
  reportId: string;
  version: string;
  /**
   * The S3 event sequencer of the claiming upload, when the claim names one. A version alone does
   * not tell two uploads apart: without bucket versioning it is the etag, the same for the same
   * bytes uploaded again.
   */
  sequencer?: string;
}

/** A claim as written: with the quarters of the claiming version, which its computations read. */
export interface FileHolder extends FileClaim {
  quarters: readonly string[];
}

export interface FileClaimRepository {
  /** Who holds the bytes now (a consistent read), or null when nobody does. */
  holder(distributorId: string, sha256: string): Promise<FileClaim | null>;
  /** Moves a claim from a holder that no longer counts the bytes; false when the claim changed meanwhile. */
  takeOver(distributorId: string, sha256: string, from: FileClaim, to: FileHolder): Promise<boolean>;
  /**
   * Frees the bytes when `reportId` no longer counts them; another report's claim is left as it is,
   * and so is the report's own claim of a version other than `version` (when given): a later version
   * of the report may have taken the bytes again before a slow release of an earlier one runs (and
   * of an upload other than `sequencer`, when given: the same bytes again have the same etag).
   */
  release(distributorId: string, sha256: string, reportId: string, version?: string, sequencer?: string): Promise<void>;
}
