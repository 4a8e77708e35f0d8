/**
 * The audit entry of a rules file change (issue #14 point 4). Nothing writes a rules file through
 * the API: it is put in the bucket (or by `rebates run --rules`), so the change is first seen by
 * the quarter's computation, which records it here when its rules version differs from the one of
 * the computation before. Recorded once per change: a retried computation starts from the same
 * previous computation, so its key is the same and the conditional put writes nothing.
 */
import { about } from './audit.js';
import { ROLES, type Role } from '../auth/principal.js';
import type { Actor, AuditRepository } from '../ports/approvals.js';
import type { UploadLog } from '../ports/finance.js';
import type { Clock } from '../ports/index.js';
import { PREFIX } from '../storage-contract.js';

export interface RulesAuditDeps {
  audit?: AuditRepository;
  uploads?: Pick<UploadLog, 'uploaderOf'>;
  clock: Clock;
}

export interface RulesChange {
  quarter: string;
  from: string;
  to: string;
  /** The inputs hash of the computation that used `from`: with the versions, names this one change. */
  since: string;
}

export const rulesKey = (quarter: string) => `${PREFIX.rules}${quarter}.json`;

/**
 * A rules file written straight into the bucket: its S3 event names the writer, kept in the upload
 * log (as an upload URL's user is for a report) for the computation that first uses the new version.
 */
export async function recordRulesWriter(
  uploads: Pick<UploadLog, 'record'>,
  key: string,
  writer: { principalId: string } | undefined,
  at: string,
): Promise<boolean> {
  if (!writer || !isRulesKey(key)) return false;
  await uploads.record({ key, by: writer.principalId, at });
  return true;
}

export const isRulesKey = (key: string) => key.startsWith(PREFIX.rules) && key.endsWith('.json');

/** Who put the file as the upload log says: "<role> <user>" for a dashboard user, else a local user. */
export function rulesActor(by: string | undefined): Actor {
  if (!by) return { sub: 'not recorded', role: 'system' };
  const m = /^(\S+) (.+)$/.exec(by);
  if (m && (ROLES as readonly string[]).includes(m[1]!)) return { sub: m[2]!, role: m[1] as Role };
  return { sub: by, role: 'system' };
}

/** Appends the entry unless this change was already recorded; true when it was written now. */
export async function recordRulesChange(deps: RulesAuditDeps, change: RulesChange): Promise<boolean> {
  if (!deps.audit) return false;
  const at = deps.clock.now().toISOString();
  const key = rulesKey(change.quarter);
  const putBy = (await deps.uploads?.uploaderOf(key, at))?.by;
  return deps.audit.appendOnce(
    {
      id: `${at}#rules-${change.quarter}`,
      at,
      kind: 'rules',
      actor: rulesActor(putBy),
      // Worded per reader from its subject, as every other entry is.
      ...about({ code: 'rules', params: { quarter: change.quarter, version: change.to } }),
      quarters: [change.quarter],
      partners: [],
      before: { version: change.from },
      after: { version: change.to, key, putBy: putBy ?? null },
    },
    ['rules', change.quarter, change.from, change.to, change.since].join('#'),
  );
}
