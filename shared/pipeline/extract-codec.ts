/**
 * An extract's stored form and its address. Extracts are written as `rebates-extract/2`
 * (extract-binary.ts) under `extracts/<reportId>/<sha256>.bin`; those written before it are gzip
 * JSON, `rebates-extract/1` (extract-json.ts), under `extracts/<reportId>/<sha256>.json.gz`, and are
 * still read: the reader goes by the form it finds in the bytes, not by the key.
 *
 * The address is the sha256 of the stored bytes, so the same report read again gives another key
 * in the other form. A record keeps the key and sha256 it was committed with, and the computation
 * reads exactly that object; `verify` writes its fresh extract in the form the record's key names
 * (`extractFormatOfKey`), so a report ingested as form 1 still compares equal. Both forms are
 * deterministic: a retry of the same version writes the same object.
 */
import { createHash } from 'node:crypto';
import { PREFIX } from '../storage-contract.js';
import { EXTRACT_FORMAT, type ReportExtract } from './extract.js';
import { BINARY_FORMAT, decodeExtractBinary, encodeExtractBinary, isBinaryExtract } from './extract-binary.js';
import { decodeExtractJson, encodeExtractJson } from './extract-json.js';
import { refuse } from './extract-refuse.js';

/** The stored forms of an extract, each by the name its bytes carry: the binary form and gzip JSON. */
export type ExtractFormat = typeof BINARY_FORMAT | typeof EXTRACT_FORMAT;
export const STORED_EXTRACT_FORMAT: ExtractFormat = BINARY_FORMAT;

/**
 * The forms by the names the `EXTRACT_FORM` setting gives them. Ingest writes the binary form
 * unless told `json`: the setting for a release that code reading only gzip JSON may replace again.
 */
export const EXTRACT_FORMS = { binary: BINARY_FORMAT, json: EXTRACT_FORMAT } as const satisfies Record<
  string,
  ExtractFormat
>;
export type ExtractForm = keyof typeof EXTRACT_FORMS;

const FORMS = {
  [BINARY_FORMAT]: { suffix: '.bin', contentType: 'application/octet-stream', encode: encodeExtractBinary },
  [EXTRACT_FORMAT]: { suffix: '.json.gz', contentType: 'application/gzip', encode: encodeExtractJson },
} as const;

/** The extract in a stored form (the current one unless told). Deterministic: same extract, same bytes. */
export function encodeExtract(extract: ReportExtract, format: ExtractFormat = STORED_EXTRACT_FORMAT): Buffer {
  return FORMS[format].encode(extract);
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where an extract is stored: under its report, named by its content, ending in its form's suffix. */
export function extractKeyOf(
  reportId: string,
  sha256: string,
  format: ExtractFormat = STORED_EXTRACT_FORMAT,
): string {
  return `${PREFIX.extracts}${reportId}/${sha256}${FORMS[format].suffix}`;
}

/** The form an extract's key names: keys written before the binary form end in `.json.gz`. */
export function extractFormatOfKey(key: string): ExtractFormat {
  return key.endsWith(FORMS[EXTRACT_FORMAT].suffix) ? EXTRACT_FORMAT : BINARY_FORMAT;
}

/** The bytes, their content address, the key to store them under and their content type. */
export function storableExtract(
  reportId: string,
  extract: ReportExtract,
  format: ExtractFormat = STORED_EXTRACT_FORMAT,
) {
  const bytes = encodeExtract(extract, format);
  const sha256 = sha256Of(bytes);
  return { bytes, sha256, key: extractKeyOf(reportId, sha256, format), contentType: FORMS[format].contentType };
}

/**
 * Reads an extract back in whichever form its bytes are, refusing bytes that do not match the
 * expected sha256 or are not what the encoder of their form wrote.
 */
export function decodeExtract(bytes: Buffer, expectedSha256?: string): ReportExtract {
  if (expectedSha256 !== undefined && sha256Of(bytes) !== expectedSha256)
    refuse(`its content does not match its address (sha256 ${expectedSha256})`);
  return isBinaryExtract(bytes) ? decodeExtractBinary(bytes) : decodeExtractJson(bytes);
}
