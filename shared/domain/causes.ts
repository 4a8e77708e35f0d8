/**
 * Recorded causes of a change in payouts (issue #14, point 2): what a computation found changed in
 * its inputs, as stored beside it (shared/pipeline/causes.ts), and how an adjustment names them.
 * Pure: no storage here.
 */

/** One reference row written: which, before and after, in plain words in `change`. */
export interface ReferenceRowChange {
  kind: 'partner' | 'distributor' | 'acceptance' | 'training' | 'catalog';
  /** The partner the row is about; absent for distributors and catalog rows, which concern everyone. */
  partnerId?: string;
  key: string;
  before: unknown;
  after: unknown;
  change: string;
}

export interface ReportCause {
  kind: 'report';
  reportId: string;
  key: string;
  name: string;
  distributorId: string;
  /** Versions: null when the report had none counting (new) or has none any more (withdrawn). */
  from: string | null;
  to: string | null;
  /** Who asked for the upload URL of the key ("distributor dist-kvant"), or the S3 principal that wrote it; null when not recorded. */
  uploadedBy: string | null;
  /** 's3' when the uploader wrote straight into S3 with its own credentials (absent: through an upload URL). */
  uploadedVia?: 's3';
  /** The address S3 saw a direct write come from. */
  sourceIp?: string;
}

export interface ReferenceCause {
  kind: 'reference';
  revision?: string;
  what: string;
  by: string;
  at: string;
  rows?: ReferenceRowChange[];
}

export interface RulesCause {
  kind: 'rules';
  from: string;
  to: string;
}

export type RecordedCause = ReportCause | ReferenceCause | RulesCause;

export interface CausesEntry {
  quarter: string;
  computedAt: string;
  inputsHash: string;
  resultHash: string;
  /** Partners whose stored result this computation changed or removed. */
  partners: string[];
  causes: RecordedCause[];
}

/**
 * The causes of a partner's change: those of the computations that changed it. Reference rows of
 * other partners are left out (their change cannot be this partner's cause); distributors and
 * catalog rows concern everyone. Repeats (a retried computation) are named once.
 */
export function causesOfPartner(entries: readonly CausesEntry[], partnerId: string): RecordedCause[] {
  const out = new Map<string, RecordedCause>();
  for (const e of entries) {
    if (!e.partners.includes(partnerId)) continue;
    for (const c of e.causes) {
      let cause: RecordedCause | null = c;
      if (c.kind === 'reference' && c.rows) {
        const rows = c.rows.filter((r) => r.partnerId === undefined || r.partnerId === partnerId);
        cause = rows.length ? { ...c, rows } : null;
      }
      if (cause) out.set(JSON.stringify(cause), cause);
    }
  }
  return [...out.values()];
}

const versionShort = (v: string | null) => (v === null ? 'none' : v.length > 12 ? v.slice(0, 12) : v);

/** One cause in plain words: "report kvant/kvant-sellout.csv replaced (version a → b) by distributor dist-kvant". */
export function describeCause(c: RecordedCause): string {
  if (c.kind === 'rules') return `the rules changed from version ${c.from} to ${c.to}`;
  if (c.kind === 'report') {
    const what = c.from === null ? 'added' : c.to === null ? 'withdrawn' : 'replaced';
    const who = c.uploadedBy ? `, uploaded by ${c.uploadedBy}${directly(c)}` : ', uploader not recorded';
    return `report ${c.key} ${what} (version ${versionShort(c.from)} → ${versionShort(c.to)}${who})`;
  }
  const rows = (c.rows ?? []).map((r) => r.change).join('; ');
  return `reference change ${rows || c.what} by ${c.by} at ${c.at}`;
}

/** " straight into S3 from 203.0.113.7" for a direct write; "" through an upload URL. */
function directly(c: ReportCause): string {
  if (c.uploadedVia !== 's3') return '';
  return ` straight into S3${c.sourceIp ? ` from ${c.sourceIp}` : ''}`;
}

export function describeCauses(causes: readonly RecordedCause[]): string {
  if (!causes.length) return 'a change whose cause was not recorded (computed before causes were kept)';
  return causes.map(describeCause).join('; ');
}
