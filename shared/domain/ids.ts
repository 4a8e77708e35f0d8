/**
 * Identifiers (partner, distributor, SKU, course code) are matched by a normalised key but shown,
 * stored for display and exported as written in the reference data (data-formats.md, "Reference
 * data"): finance matches the export against its own master data by ID, so a changed ID is a wrong
 * export. Keys are what maps, DynamoDB keys, S3 prefixes and tallies use; the as-written form
 * travels beside them and is rendered at the edges (export, API, CLI, messages). Anything stored
 * before the as-written form was kept falls back to the key.
 *
 * Keys: partners `normalizePartnerId` (partner-id.ts), SKUs `normaliseSku` (classify.ts), and:
 */
import type { PayoutLine } from './types.js';

/** "D-MERL", " d-merl " and "D-Merl" are one distributor. */
export function distributorKey(raw: string): string {
  return raw.trim().toLowerCase();
}

/** "dpws0212wbts" completes DPWS0212WBTS. */
export function courseKey(raw: string): string {
  return raw.trim().toUpperCase();
}

type LineIds = Pick<PayoutLine, 'partnerId' | 'distributorId' | 'partnerDisplayId' | 'distributorDisplayId'>;

export const shownPartnerId = (l: LineIds): string => l.partnerDisplayId ?? l.partnerId;
export const shownDistributorId = (l: LineIds): string => l.distributorDisplayId ?? l.distributorId;

/** A payout line as people see it: its IDs as written, without the separate display fields. */
export function lineAsWritten<T extends LineIds>(
  line: T,
): Omit<T, 'partnerDisplayId' | 'distributorDisplayId'> {
  const { partnerDisplayId: _p, distributorDisplayId: _d, ...rest } = line;
  // Overriding keys already in `rest` keeps their place in the JSON.
  return { ...rest, partnerId: shownPartnerId(line), distributorId: shownDistributorId(line) };
}

/** Key → as written, for records that carry only the key (report records, progress, ledger entries). */
export function asWrittenIn(
  entities: Iterable<{ id: string; displayId?: string | undefined }>,
): (key: string) => string {
  const shown = new Map<string, string>();
  for (const e of entities) shown.set(e.id, e.displayId || e.id);
  return (key) => shown.get(key) ?? key;
}
