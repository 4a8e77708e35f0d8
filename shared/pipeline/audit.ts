/**
 * The audit trail (issue #14, point 4): every use case that changes something appends one entry,
 * who (user and role), when, what, before and after. Entries are never changed or removed.
 *
 * A use case of another part (payments, rules files) records itself with
 * `recordAudit(deps, { kind: 'payment', actor, ...about(subject), quarters, partners, before, after })`.
 */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { subjectText, type AuditSubject } from '../domain/render/audit.js';
import type { Actor, AuditEntry, AuditRepository } from '../ports/approvals.js';
import type { Clock } from '../ports/index.js';

export interface AuditDeps {
  audit: AuditRepository;
  clock: Clock;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

export const actorOf = (p: Pick<Principal, 'sub' | 'role'>): Actor => ({ sub: p.sub, role: p.role });

/** An entry's `target` (English, what older readers show) and the subject it is rendered from per reader. */
export const about = (subject: AuditSubject): Pick<NewAuditEntry, 'target' | 'subject'> => ({
  target: subjectText(subject, 'en'),
  subject,
});

/** At most this many rows are kept in before/after, so one entry stays a small item. */
export const AUDIT_ROWS = 100;

export function boundedRows<T>(rows: readonly T[]): { rows: T[]; more: number } {
  return { rows: rows.slice(0, AUDIT_ROWS), more: Math.max(0, rows.length - AUDIT_ROWS) };
}

/** The entry as `recordAudit` appends it, for a use case that stores it in its own write (a report's record). */
export function newAuditEntry(clock: Clock, entry: NewAuditEntry): AuditEntry {
  const at = clock.now().toISOString();
  // The random part makes two entries of one millisecond two items; the time part sorts them.
  return { id: `${at}#${randomBytes(6).toString('hex')}`, at, ...entry };
}

export async function recordAudit(deps: AuditDeps, entry: NewAuditEntry): Promise<AuditEntry> {
  const full = newAuditEntry(deps.clock, entry);
  await deps.audit.append(full);
  return full;
}
