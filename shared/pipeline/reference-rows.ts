/**
 * The rows of a reference change with what they replace, for the computations' recorded causes
 * (issue #14): "acceptance of RU100103 for client: plan 50 accepted 2016-01-10 (before: none)".
 * Only the first rows of a change are described: the revision item keeps the last changes whole,
 * and one item must stay far under DynamoDB's 400 KB.
 */
import type { Acceptance } from '../domain/types.js';
import type { ReferenceRepository, ReferenceRowChange } from '../ports/index.js';
import type { ReferenceChange } from './reference-import.js';

export const ROWS_DESCRIBED = 20;

const plan = (p: number | null) => (p === null ? 'no plan' : `plan ${p}`);

/** Reads what each row replaces (a few partner queries) before the rows are written. */
export async function describeRows(reference: ReferenceRepository, change: ReferenceChange): Promise<ReferenceRowChange[]> {
  const rows: ReferenceRowChange[] = [];
  const room = () => ROWS_DESCRIBED - rows.length;
  if (change.partners?.length) {
    const described = change.partners.slice(0, room());
    // Only the described partners' stored rows are read.
    const before = await reference.partnersOf(described.map((p) => p.id));
    for (const p of described) {
      const was = before.get(p.id) ?? null;
      const after = { name: p.name, status: p.status, region: p.region };
      const then = was ? { name: was.name, status: was.status, region: was.region } : null;
      rows.push({
        kind: 'partner',
        partnerId: p.id,
        key: p.displayId,
        before: then,
        after,
        change: `partner ${p.displayId}: ${JSON.stringify(after)} (before: ${then ? JSON.stringify(then) : 'not registered'})`,
      });
    }
  }
  if (change.distributors?.length && room() > 0) {
    const before = new Map((await reference.listDistributors()).map((d) => [d.id, d]));
    for (const d of change.distributors.slice(0, room())) {
      const was = before.get(d.id);
      const then = was ? { name: was.name, segments: was.segments } : null;
      const after = { name: d.name, segments: d.segments };
      rows.push({
        kind: 'distributor',
        key: d.displayId,
        before: then,
        after,
        change: `distributor ${d.displayId}: ${JSON.stringify(after)} (before: ${then ? JSON.stringify(then) : 'not registered'})`,
      });
    }
  }
  const acceptancesDescribed = (change.acceptances ?? []).slice(0, Math.max(0, room()));
  // One read of their partners' stored acceptances for all of them.
  const stored = acceptancesDescribed.length ? await reference.acceptancesOf(acceptancesDescribed.map((a) => a.partnerId)) : new Map();
  for (const a of acceptancesDescribed) {
    const acceptances: Acceptance[] = stored.get(a.partnerId) ?? [];
    const earlier = acceptances
      .filter((x) => x.program === a.program)
      .map((x) => ({ plan: x.plan, acceptedAt: x.acceptedAt }));
    const after = { plan: a.plan, acceptedAt: a.acceptedAt };
    rows.push({
      kind: 'acceptance',
      partnerId: a.partnerId,
      key: `${a.partnerId}/${a.program}`,
      before: earlier,
      after,
      change:
        `acceptance of ${a.partnerId} for ${a.program}: ${plan(a.plan)} accepted ${a.acceptedAt} ` +
        `(before: ${earlier.length ? earlier.map((x) => `${plan(x.plan)} accepted ${x.acceptedAt}`).join(', ') : 'none'})`,
    });
  }
  for (const t of (change.trainings ?? []).slice(0, Math.max(0, room())))
    rows.push({
      kind: 'training',
      partnerId: t.partnerId,
      key: `${t.partnerId}/${t.courseCode}`,
      before: null,
      after: { completedAt: t.completedAt },
      change: `training ${t.courseCode} of ${t.partnerId} completed ${t.completedAt} (added)`,
    });
  for (const c of (change.catalog ?? []).slice(0, Math.max(0, room())))
    rows.push({
      kind: 'catalog',
      key: c.sku,
      before: null,
      after: { program: c.program, rateRow: c.rateRow },
      change: `catalog mapping ${c.sku} → ${c.program}/${c.rateRow}`,
    });
  return rows;
}
