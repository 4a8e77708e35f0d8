/**
 * What finance records beside the computed figures (issue #14): payments made per partner ×
 * distributor × quarter, and who asked for each report upload, so a computation's causes can name
 * the uploader of a replaced report.
 */

export interface Payment {
  paymentId: string;
  quarter: string;
  /** Keys (matched form), as payout lines carry them. */
  partnerId: string;
  distributorId: string;
  /** Moscow calendar day the money left, YYYY-MM-DD. */
  date: string;
  /** The bank or ledger reference finance matches it by. */
  reference: string;
  /** Decimal string, 2 places, more than 0. */
  amount: string;
  recordedBy: string;
  recordedAt: string;
}

export interface PaymentsRepository {
  /** Adds a payment; one already stored with the same ID is left as it is (a retried request). */
  /** True when stored; false when a payment of the same ID was already there (kept as it was). */
  add(payment: Payment): Promise<boolean>;
  /** Every payment recorded for the quarter, sorted by partner, distributor, date, ID. */
  listQuarter(quarter: string): Promise<Payment[]>;
}

/** Who asked for an upload URL of a report key, and when (one entry per request, all kept). */
export interface UploadIntent {
  key: string;
  by: string;
  at: string;
}

export interface UploadLog {
  record(intent: UploadIntent): Promise<void>;
  /** The latest request for `key` made at or before `at`; null when there is none. */
  uploaderOf(key: string, at: string): Promise<UploadIntent | null>;
}
