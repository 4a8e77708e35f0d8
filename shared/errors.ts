/**
 * Every error the project raises on purpose. Each carries a stable `code` (for logs, reject files
 * and API bodies), a plain-language message, and the `cause` it wraps.
 * The mapping to HTTP status / CLI exit lives here, in one place.
 */
import { errorRu, INTERNAL_RU } from './domain/render/errors-ru.js';
import type { Lang } from './domain/render/format.js';
import type { PreviewIssue } from './domain/render/preview-issues.js';
import type { CellProblem, FileIssue, LineIssue } from './domain/render/row-issues.js';

export abstract class AppError extends Error {
  abstract readonly code: string;
  /** HTTP status this error maps to when it reaches an API caller. */
  readonly httpStatus: number = 500;
  /** Which sentence the message is (the code when one code has one sentence), for other languages. */
  readonly key: string | undefined;
  /** The figures and names the message is built from, so it can be said again in another language. */
  readonly params: ErrorParams;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.key = options?.key;
    this.params = options?.params ?? {};
  }
}

/** One field's problem, as zod found it: what the Russian sentence for it is built from. */
export interface FieldIssue {
  /** Dotted path (`rows.3.partnerId`); empty for the whole value. */
  path: string;
  kind:
    | 'required'
    | 'type'
    | 'enum'
    | 'too-long'
    | 'too-short'
    | 'too-big'
    | 'too-small'
    | 'format'
    | 'unknown-keys'
    | 'problem'
    | 'other';
  expected?: string;
  values?: string[];
  limit?: number | string;
  format?: string;
  keys?: string[];
  /** For `problem`: what a reference field's rule found wrong. */
  problem?: CellProblem;
}

export type ErrorParam =
  | string
  | number
  | boolean
  | null
  | readonly string[]
  | readonly FieldIssue[]
  | readonly LineIssue[]
  | readonly PreviewIssue[]
  | readonly FileIssue[];
export type ErrorParams = Readonly<Record<string, ErrorParam | undefined>>;
export interface ErrorOptions {
  cause?: unknown;
  key?: string;
  params?: ErrorParams;
}

/** A rules file (or other configuration) is missing or invalid. Fail fast. */
export class RulesValidationError extends AppError {
  readonly code = 'rules-invalid';
  override readonly httpStatus = 422;
  constructor(
    message: string,
    readonly issues: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ConfigError extends AppError {
  readonly code = 'config-invalid';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Input from a person or another system is not acceptable (bad CSV, bad reference row, bad event). */
export class InputValidationError extends AppError {
  readonly code: string = 'input-invalid';
  override readonly httpStatus = 400;
  constructor(
    message: string,
    readonly issues: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A whole report file cannot be read (empty, binary, broken header, too large once inflated). */
export class ReportFileError extends AppError {
  override readonly httpStatus = 422;
  constructor(
    readonly code:
      | 'empty-file'
      | 'not-text'
      | 'header-missing-fields'
      | 'too-large'
      | 'unreadable'
      | 'unknown-distributor'
      | 'duplicate-file',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'not-found';
  override readonly httpStatus = 404;
}

export class ForbiddenError extends AppError {
  readonly code = 'forbidden';
  override readonly httpStatus = 403;
}

export class InsufficientPointsError extends AppError {
  readonly code = 'insufficient-points';
  override readonly httpStatus = 409;
}

/**
 * The user-facing shape of any error: plain words in the reader's language, a stable code, an HTTP
 * status. English is the message as thrown; Russian is rendered from the error's key and params.
 */
export function toUserError(
  err: unknown,
  lang: Lang = 'en',
): { status: number; code: string; message: string; issues?: string[] } {
  if (err instanceof AppError) {
    const issues = 'issues' in err && Array.isArray(err.issues) && err.issues.length ? (err.issues as string[]) : undefined;
    if (lang === 'ru') {
      const said = errorRu(err);
      const ruIssues = said.issues ?? issues;
      return { status: err.httpStatus, code: err.code, message: said.message, ...(ruIssues ? { issues: ruIssues } : {}) };
    }
    return { status: err.httpStatus, code: err.code, message: err.message, ...(issues ? { issues } : {}) };
  }
  return {
    status: 500,
    code: 'internal',
    message: lang === 'ru' ? INTERNAL_RU : 'Something went wrong on our side; the error has been logged.',
  };
}

/** A local emulator (DynamoDB Local, s3rver) could not be started or stopped. Local use only. */
export class EmulatorError extends AppError {
  readonly code = 'emulator-failed';
}

/** A redemption names a reward that is not in the quarter's catalog. */
export class UnknownRewardError extends InputValidationError {
  override readonly code = 'unknown-reward';
}

/** The reward has no points price ("on request"): the program manager arranges it. */
export class RewardOnRequestError extends AppError {
  readonly code = 'reward-on-request';
  override readonly httpStatus = 422;
}

/** A value cannot go into an export file as it is (e.g. an amount with more than 2 decimals). */
export class ExportValueError extends AppError {
  readonly code = 'export-invalid-value';
}

/** A report's header lacks required columns; `missing` and `found` feed the message and the rejects file. */
export class ReportHeaderError extends ReportFileError {
  constructor(
    message: string,
    readonly missing: readonly string[],
    readonly found: readonly string[],
    options?: ErrorOptions,
  ) {
    super('header-missing-fields', message, {
      key: 'header-missing-fields',
      params: { missing: [...missing], found: [...found] },
      ...options,
    });
  }
}

/** The reader of a report was stopped (by its caller) before the end of the file, so it has no summary. */
export class ReportReadStoppedError extends AppError {
  readonly code = 'report-read-stopped';
}

/** The quarter is already closed: its figures are frozen, so it cannot be closed again. */
export class QuarterClosedError extends AppError {
  readonly code = 'quarter-closed';
  override readonly httpStatus = 409;
}

/** A request without valid credentials (no token, a bad signature, expired). */
export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
  override readonly httpStatus = 401;
}

/** The path exists but not with this HTTP method; `allow` lists the methods it has. */
export class MethodNotAllowedError extends AppError {
  readonly code = 'method-not-allowed';
  override readonly httpStatus = 405;
  constructor(
    message: string,
    readonly allow: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A request body larger than the server accepts. */
export class PayloadTooLargeError extends AppError {
  readonly code = 'payload-too-large';
  override readonly httpStatus = 413;
}

/** A stored quarter snapshot does not match its recorded checksum, or cannot be read. */
export class SnapshotIntegrityError extends AppError {
  readonly code = 'snapshot-invalid';
}

/** A local state folder is held by another process (see local/runtime.ts). */
export class StateLockedError extends AppError {
  readonly code = 'state-locked';
  override readonly httpStatus = 409;
}

/** A stored report extract (pipeline v2) does not match its content address, or cannot be read. */
export class ExtractIntegrityError extends AppError {
  readonly code = 'extract-invalid';
}

/** An extract its stored form cannot hold (a line number out of order, a count beyond 2^53): a fault of the code that built it. */
export class ExtractEncodingError extends AppError {
  readonly code = 'extract-unencodable';
}

/**
 * Writing reference rows stopped partway (the store failed after some were written). Every row was
 * checked before the first write, and importing the same rows again is safe, so the cure is a retry.
 */
export class ReferenceWriteError extends AppError {
  readonly code = 'import-incomplete';
  override readonly httpStatus = 503;
}

/** A request target (the path of the request line) the server cannot read, e.g. `//` or `*`. */
export class BadRequestTargetError extends InputValidationError {
  override readonly code = 'bad-request-target';
}

/** An approval was decided by someone else first, or is no longer pending. */
export class ApprovalDecidedError extends AppError {
  readonly code = 'approval-decided';
  override readonly httpStatus = 409;
}

/** The figures changed since a close was requested: the total it shows is no longer the one to freeze. */
export class StaleApprovalError extends AppError {
  readonly code = 'approval-stale';
  override readonly httpStatus = 409;
}

/** A change would alter a closed quarter's figures where no second person can approve it (a local import). */
export class ClosedQuarterChangeError extends AppError {
  readonly code = 'closed-quarter-change';
  override readonly httpStatus = 409;
}

/** Other redemptions of the same partner kept landing while one was decided: asked to try again. */
export class RedemptionConflictError extends AppError {
  readonly code = 'redemption-conflict';
  override readonly httpStatus = 409;
}

/** A stored payout item is in a form this version cannot read (written by a newer version). */
export class PayoutItemFormatError extends AppError {
  readonly code = 'payout-item-unreadable';
}

/**
 * Reference rows of one kind would overflow their storage bucket (one database item, at most 400 KB):
 * refused before anything of that bucket is written. Sending the rows again does not help.
 */
export class ReferenceBucketFullError extends AppError {
  readonly code = 'reference-bucket-full';
  override readonly httpStatus = 422;
}

/** A quarter's payouts grew past what a payout shard can hold in one DynamoDB item (400 KB). */
export class PayoutShardTooLargeError extends AppError {
  readonly code = 'payout-shard-too-large';
}
