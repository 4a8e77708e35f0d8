/**
 * The kinds of entry the audit trail records (docs/api.md, "Audit trail"), for the kind filter. The
 * browser cannot import the TypeScript list (shared/ports/approvals.ts AUDIT_KINDS); a test keeps
 * the two equal and checks each has its label in both languages.
 */
export const AUDIT_KINDS = [
  'reference',
  'rules',
  'report',
  'close-request',
  'close-approval',
  'close-rejection',
  'change-request',
  'change-approval',
  'change-rejection',
  'export',
  'payment',
  'redemption',
];
