/**
 * Partner IDs as distributors write them: " id 12 345", "№12345", "#12345". Matched after trimming,
 * removing inner spaces, upper-casing and dropping a leading `ID`, `№` or `#` (program rules §2.1).
 */
export function normalizePartnerId(raw: string): string {
  const compact = raw.replace(/[\s\u00a0\u202f]+/g, '').toUpperCase();
  return compact.replace(/^(ID|№|#)+[:.-]?/, '');
}
