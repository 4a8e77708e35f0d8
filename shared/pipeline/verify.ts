/**
 * `verify`: recompute a quarter from the raw report objects (the versions in force) and the
 * reference data, with the same line checks, claims and calculation the pipeline used, and prove
 * that what is stored equals it — report counts, tallies and payouts — or list every difference.
 */
import { Decimal } from 'decimal.js';
import { readReport } from '../csv/read-report.js';
import { asWrittenIn } from '../domain/ids.js';
import { calculatePartnerQuarter } from '../domain/payout.js';
import { RulesBook } from '../domain/rules/load.js';
import type { TagIndex } from '../domain/service-tags.js';
import type { PayoutLine, TallyRow } from '../domain/types.js';
import type {
  ObjectStore,
  PayoutsRepository,
  ReferenceRepository,
  ReportRecord,
  ReportsRepository,
  RulesRepository,
} from '../ports/index.js';
import { claimOrderOf } from './claims.js';
import { ReportTallier, type PriorClaims } from './lines.js';

export interface VerifyDeps {
  objects: ObjectStore;
  reports: ReportsRepository;
  reference: ReferenceRepository;
  payouts: PayoutsRepository;
  rules: RulesRepository;
}

export interface Difference {
  what: 'report' | 'tally' | 'payout';
  /** The report key or partner ID the difference is about. */
  subject: string;
  detail: string;
}

export interface VerifyResult {
  quarter: string;
  reportsChecked: number;
  linesRead: number;
  partnersChecked: number;
  recomputedTotal: Decimal;
  storedTotal: Decimal;
  differences: Difference[];
}

// Matched by keys, written with the distributor as in the registry (`shown`).
type Shown = (key: string) => string;
const rowKey = (r: Pick<TallyRow, 'distributorId' | 'program' | 'rateRow' | 'gate'>, shown: Shown) =>
  `${shown(r.distributorId)}/${r.program}/${r.rateRow}${r.gate ? ` (gate ${r.gate})` : ''}`;
const lineKey = (l: PayoutLine, shown: Shown) => `${shown(l.distributorId)}/${l.program}/${l.rateRow}`;

function compareUnits(a: Map<string, number>, b: Map<string, number>): string[] {
  const out: string[] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const stored = a.get(k) ?? 0;
    const recomputed = b.get(k) ?? 0;
    if (stored !== recomputed) out.push(`${k}: stored ${stored} units, recomputed ${recomputed}`);
  }
  return out;
}

export async function verifyQuarter(
  deps: VerifyDeps,
  quarter: string,
  onProgress?: (done: number, total: number, what: string) => void,
): Promise<VerifyResult> {
  const book = new RulesBook(await deps.rules.loadAll());
  const rules = book.require(quarter);
  const reference = await deps.reference.loadForIngest();
  const shown = asWrittenIn(reference.distributors.values());
  const shownPartner = asWrittenIn(reference.partners.values());
  const differences: Difference[] = [];
  const reports = (await deps.reports.list({}))
    .filter((r) => r.status === 'processed' && r.activeVersion)
    .sort((a, b) => (claimOrderOf(a) < claimOrderOf(b) ? -1 : 1));

  const claimsSoFar: { report: ReportRecord; claims: Map<string, TagIndex> }[] = [];
  const prior: PriorClaims = (q, tag) => {
    for (const c of claimsSoFar) {
      const line = c.claims.get(q)?.lineOf(tag);
      if (line !== undefined) return { reportKey: c.report.key, distributorId: c.report.distributorId, line };
    }
    return null;
  };
  const recomputed = new Map<string, TallyRow[]>();
  let linesRead = 0;

  for (const [i, r] of reports.entries()) {
    onProgress?.(i, reports.length, r.key);
    const tallier = new ReportTallier(book, reference, r.distributorId, prior);
    const object = await deps.objects.get(r.key, r.objectVersionId);
    const reading = readReport(object.body);
    await reading.format;
    for await (const batch of reading.records) for (const record of batch) tallier.add(record);
    const summary = await reading.done;
    linesRead += tallier.counts.read;
    claimsSoFar.push({
      report: r,
      claims: new Map([...tallier.claimIndexes()].map(([q, c]) => [q, c.claimed])),
    });

    if (r.sha256 && summary.sha256 !== r.sha256)
      differences.push({
        what: 'report',
        subject: r.key,
        detail: `the object's sha256 is ${summary.sha256}, the record says ${r.sha256}`,
      });
    const c = r.counts;
    if (
      c &&
      (c.read !== tallier.counts.read ||
        c.tallied !== tallier.counts.tallied ||
        c.rejected !== tallier.counts.rejected)
    )
      differences.push({
        what: 'report',
        subject: r.key,
        detail: `stored read/tallied/rejected ${c.read}/${c.tallied}/${c.rejected}, recomputed ${tallier.counts.read}/${tallier.counts.tallied}/${tallier.counts.rejected}`,
      });
    if (tallier.counts.read !== tallier.counts.tallied + tallier.counts.rejected)
      differences.push({
        what: 'report',
        subject: r.key,
        detail: 'lines read ≠ lines tallied + lines rejected',
      });

    const fresh = tallier.result().tallies.filter((t) => t.quarter === quarter);
    const stored = (await deps.reports.talliesOf(r.reportId, r.activeVersion!)).filter(
      (t) => t.quarter === quarter,
    );
    const index = (ts: typeof fresh) => {
      const m = new Map<string, number>();
      for (const t of ts)
        for (const row of t.rows) {
          const k = `${shownPartner(t.partnerId)} ${rowKey(row, shown)}`;
          m.set(k, (m.get(k) ?? 0) + row.units);
        }
      return m;
    };
    for (const detail of compareUnits(index(stored), index(fresh)))
      differences.push({ what: 'tally', subject: r.key, detail });
    for (const t of fresh) {
      const rows = recomputed.get(t.partnerId) ?? [];
      for (const row of t.rows) rows.push({ ...row, partnerId: t.partnerId });
      recomputed.set(t.partnerId, rows);
    }
  }

  const storedPayouts = new Map(
    (await deps.payouts.listQuarter(quarter)).map((p) => [p.result.partnerId, p.result]),
  );
  const partners = [...new Set([...storedPayouts.keys(), ...recomputed.keys()])].sort();
  let recomputedTotal = new Decimal(0);
  let storedTotal = new Decimal(0);
  for (const [i, partnerId] of partners.entries()) {
    onProgress?.(reports.length + i, reports.length + partners.length, partnerId);
    const state = await deps.reference.partnerState(partnerId);
    const fresh = calculatePartnerQuarter(rules, state, partnerId, recomputed.get(partnerId) ?? []);
    const stored = storedPayouts.get(partnerId);
    recomputedTotal = recomputedTotal.plus(fresh.total);
    storedTotal = storedTotal.plus(stored?.total ?? 0);
    const before = new Map((stored?.lines ?? []).map((l) => [lineKey(l, shown), l]));
    const after = new Map(fresh.lines.map((l) => [lineKey(l, shown), l]));
    for (const k of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const s = before.get(k);
      const f = after.get(k);
      const show = (l: PayoutLine | undefined) =>
        l
          ? `${l.units} units, ${l.paidUnits} paid × ${l.rate.toFixed(2)} = ${l.amount.toFixed(2)} RUB`
          : 'no line';
      if (
        !s ||
        !f ||
        s.units !== f.units ||
        s.paidUnits !== f.paidUnits ||
        !s.rate.equals(f.rate) ||
        !s.amount.equals(f.amount)
      )
        differences.push({
          what: 'payout',
          subject: shownPartner(partnerId),
          detail: `${k}: stored ${show(s)}; recomputed ${show(f)}`,
        });
    }
  }
  onProgress?.(reports.length + partners.length, reports.length + partners.length, 'done');
  return {
    quarter,
    reportsChecked: reports.length,
    linesRead,
    partnersChecked: partners.length,
    recomputedTotal,
    storedTotal,
    differences,
  };
}
