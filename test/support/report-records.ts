/** Report records as the reader yields them, for the extractor's and the extract codec's tests. */
import type { ReportRecord } from '../../shared/csv/read-report.js';

export type Values = ReportRecord['values'];

export function record(line: number, values: Values, error?: ReportRecord['error']): ReportRecord {
  return { line, fields: Object.values(values) as string[], values, ...(error ? { error } : {}) };
}

/** A line that passes every file-only check, with `over` written over it. */
export const good = (over: Values = {}): Values => ({
  invoice_date: '2016-02-15',
  invoice_number: 'INV-1',
  partner_id: 'P1',
  description: 'Dell Latitude 5480 14" notebook',
  sku: '5480-7539',
  quantity: '3',
  ...over,
});
