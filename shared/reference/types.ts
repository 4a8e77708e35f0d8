/**
 * Reference data as partner managers import it (data-formats.md, "Reference data").
 */
import type { RowIssue } from '../domain/render/row-issues.js';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../domain/types.js';

export interface ReferenceData {
  partners: Partner[];
  distributors: Distributor[];
  acceptances: Acceptance[];
  trainings: Training[];
  catalog: CatalogEntry[];
}

/** A problem with one row of a reference CSV; `line` is the file's line number (the header is line 1). */
export interface RowError {
  line: number;
  message: string;
  /** The problem as data, to be said in another language (shared/domain/render/row-issues.ts). */
  issue?: RowIssue;
}

export interface ParseResult<T> {
  rows: T[];
  errors: RowError[];
}

/** A problem found in a data folder or across files; `file` is relative to the folder. */
export interface FileProblem {
  file: string;
  /** Line number within `file`, or null when the problem is about the file or a whole row set. */
  line: number | null;
  message: string;
  /** The problem as data, when it can be said in another language (shared/domain/render/row-issues.ts). */
  issue?: RowIssue;
}

/** A distributor report found in a data folder: `reports/<distributor folder>/<name>`. */
export interface ReportFile {
  /** The distributor's key: the folder name lower-cased (folders match distributors in any case). */
  distributorId: string;
  /** Absolute path on disk. */
  path: string;
  /** Path below the distributor folder, with `/` separators (what follows `incoming/<distributorId>/`). */
  name: string;
}

export interface DataFolder {
  reference: ReferenceData;
  reports: ReportFile[];
  errors: FileProblem[];
}
