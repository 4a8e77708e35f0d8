/**
 * Service-tag claims across reports (a unit earns once per quarter, whoever reports it).
 *
 * Claim order is the order in which report keys were first received (then report ID): stable when
 * a key is re-uploaded, the same for every reader. Each report version stores, per quarter, the
 * tags it claimed and the tags it lost to earlier reports, beside the report
 * (claims/<quarter>/<reportId>/<version>.claimed|lost), written before the version becomes active;
 * nothing in DynamoDB grows with report lines.
 *
 * Consistency: a report reads the claims of the earlier reports that are active when it starts.
 * After it becomes active it checks again — an earlier report processed at the same moment may have
 * become active meanwhile — and is re-read if it missed a claim; and every later report whose
 * claimed or lost tags meet this report's tags (old version or new) is re-read, so a corrected
 * earlier report takes units back or gives them up. Re-reads only ever go to later reports, so
 * they end.
 */
import { createHash } from 'node:crypto';
import { TagIndex } from '../domain/service-tags.js';
import type { ObjectStore, ReportRecord, ReportsRepository } from '../ports/index.js';
import type { ClaimIndexes, PriorClaims } from './lines.js';

export const claimsKeyOf = (quarter: string, reportId: string, version: string, kind: keyof ClaimIndexes) =>
  `claims/${quarter}/${reportId}/${version}.${kind}`;

export const claimOrderOf = (r: Pick<ReportRecord, 'receivedAt' | 'reportId'>) =>
  `${r.receivedAt}#${r.reportId}`;

interface ClaimDeps {
  objects: ObjectStore;
  reports: ReportsRepository;
}

type QuarterClaims = Map<string, ClaimIndexes>;

const EMPTY = TagIndex.build([]);

async function activeReports(deps: ClaimDeps): Promise<ReportRecord[]> {
  const all = await deps.reports.list({});
  return all
    .filter((r) => r.status === 'processed' && r.activeVersion)
    .sort((a, b) => (claimOrderOf(a) < claimOrderOf(b) ? -1 : 1));
}

/** The claims a report version stored (its active version unless told otherwise). */
export async function loadClaims(
  deps: ClaimDeps,
  r: ReportRecord,
  version = r.activeVersion,
): Promise<QuarterClaims> {
  const out: QuarterClaims = new Map();
  if (!version) return out;
  for (const q of r.quarters ?? []) {
    const [claimed, lost] = await Promise.all(
      (['claimed', 'lost'] as const).map((kind) =>
        deps.objects.getBytes(claimsKeyOf(q, r.reportId, version, kind)),
      ),
    );
    if (claimed || lost)
      out.set(q, {
        claimed: claimed ? TagIndex.deserialize(claimed) : EMPTY,
        lost: lost ? TagIndex.deserialize(lost) : EMPTY,
      });
  }
  return out;
}

export async function writeClaims(deps: ClaimDeps, reportId: string, version: string, claims: QuarterClaims) {
  for (const [q, idx] of claims)
    for (const kind of ['claimed', 'lost'] as const)
      if (idx[kind].size)
        await deps.objects.put(
          claimsKeyOf(q, reportId, version, kind),
          idx[kind].serialize(),
          'application/octet-stream',
        );
}

/** The claims of every active report that comes before `self` in claim order. */
export async function priorClaimsFor(
  deps: ClaimDeps,
  self: Pick<ReportRecord, 'receivedAt' | 'reportId'>,
): Promise<PriorClaims> {
  const order = claimOrderOf(self);
  const earlier = (await activeReports(deps)).filter(
    (r) => r.reportId !== self.reportId && claimOrderOf(r) < order,
  );
  const loaded = await Promise.all(
    earlier.map(async (r) => ({ report: r, claims: await loadClaims(deps, r) })),
  );
  return (quarter, tag) => {
    for (const l of loaded) {
      const line = l.claims.get(quarter)?.claimed.lineOf(tag);
      if (line !== undefined) return { reportKey: l.report.key, distributorId: l.report.distributorId, line };
    }
    return null;
  };
}

function meet(a: TagIndex, b: TagIndex): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const tag of small.tags()) if (large.lineOf(tag) !== undefined) return true;
  return false;
}

export interface ClaimFollowUp {
  /** This report kept a tag that an earlier report (active meanwhile) had claimed: read it again. */
  rereadSelf: boolean;
  /** Later reports whose tags meet this report's: read them again, in this order. */
  rereadLater: ReportRecord[];
}

/** What must be re-read now that `self` is active at `version` (and no longer at `oldVersion`). */
export async function claimFollowUp(
  deps: ClaimDeps,
  self: ReportRecord,
  own: QuarterClaims,
  oldVersion: string | null,
): Promise<ClaimFollowUp> {
  const old = oldVersion ? await loadClaims(deps, self, oldVersion) : new Map<string, ClaimIndexes>();
  const order = claimOrderOf(self);
  let rereadSelf = false;
  const rereadLater: ReportRecord[] = [];
  for (const r of await activeReports(deps)) {
    if (r.reportId === self.reportId) continue;
    const theirs = await loadClaims(deps, r);
    const earlier = claimOrderOf(r) < order;
    let hit = false;
    for (const [q, t] of theirs) {
      const mine = own.get(q);
      const before = old.get(q);
      hit = earlier
        ? Boolean(mine && meet(mine.claimed, t.claimed))
        : [mine?.claimed, before?.claimed].some((m) => m && (meet(m, t.claimed) || meet(m, t.lost)));
      if (hit) break;
    }
    if (!hit) continue;
    if (earlier) rereadSelf = true;
    else rereadLater.push(r);
  }
  return { rereadSelf, rereadLater };
}

/** A revision label for a claims re-read, derived from what caused it (the same cause, the same label). */
export function claimsRevision(cause: string): string {
  return `claims-${createHash('sha256').update(cause).digest('hex').slice(0, 12)}`;
}
