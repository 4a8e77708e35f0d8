/**
 * `verify`: prove a quarter's stored figures from the raw report objects. It fails on any report
 * not in a final state, whatever its distributor (verify-reports.ts); re-extracts each active report from its raw object (the version in force)
 * and checks the extract's sha256 and counts (read = extracted + rejected) against the record;
 * recomputes the quarter from those fresh extracts and the reference data, and compares the result
 * with the latest computation record and the stored payouts, and a closed quarter's points ledger
 * with its payouts (verify-ledger.ts) — or lists every difference.
 */
import { Decimal } from 'decimal.js';
import { readReport } from '../csv/read-report.js';
import { asWrittenIn } from '../domain/ids.js';
import { RulesBook } from '../domain/rules/load.js';
import type { PayoutLine } from '../domain/types.js';
import type { ComputationRepository, ObjectStore, PayoutsRepository, QuarterRepository, ReferenceRepository, ReportsRepository, RulesRepository } from '../ports/index.js';
import { inputsHashOf, latestComputation } from './compute.js';
import { computeQuarter, type ActiveExtract } from './compute-quarter.js';
import { ReportExtractor } from './extract.js';
import { extractFormatOfKey, storableExtract, STORED_EXTRACT_FORMAT } from './extract-codec.js';
import { differenceText, type DifferenceWhy } from '../domain/render/verify.js';
import { ledgerShortfalls } from './verify-ledger.js';
import { unfinishedReports } from './verify-reports.js';

export interface VerifyDeps {
  objects: ObjectStore;
  reports: ReportsRepository;
  reference: ReferenceRepository;
  payouts: PayoutsRepository;
  rules: RulesRepository;
  computations: ComputationRepository;
  /** With it, a closed quarter's points ledger is checked against its payouts too. */
  quarters?: QuarterRepository;
}

export interface Difference {
  what: 'report' | 'computation' | 'payout' | 'ledger';
  /** The report key, quarter or partner ID the difference is about. */
  subject: string;
  /** In English, as verify always printed it; `why` words it in another language. */
  detail: string;
  why?: DifferenceWhy;
}

/** A difference with its English detail written from its code. */
export const difference = (what: Difference['what'], subject: string, why: DifferenceWhy): Difference => ({
  what,
  subject,
  detail: differenceText(why, 'en'),
  why,
});

export interface VerifyResult {
  quarter: string;
  reportsChecked: number;
  linesRead: number;
  partnersChecked: number;
  recomputedTotal: Decimal;
  storedTotal: Decimal;
  differences: Difference[];
}

type Shown = (key: string) => string;
const lineKey = (l: PayoutLine, shown: Shown) => `${shown(l.distributorId)}/${l.program}/${l.rateRow}`;

export async function verifyQuarter(
  deps: VerifyDeps,
  quarter: string,
  onProgress?: (done: number, total: number, what: string) => void,
): Promise<VerifyResult> {
  const book = new RulesBook(await deps.rules.loadAll());
  const rules = book.require(quarter);
  const reference = await deps.reference.loadSnapshot();
  const shown = asWrittenIn(reference.distributors.values());
  const shownPartner = asWrittenIn(reference.partners.values());
  const differences: Difference[] = [];

  for (const u of await unfinishedReports(deps, new Set(reference.distributors.keys())))
    differences.push(difference('report', u.key, u.why));

  const records = await deps.reports.activeInQuarter(quarter);
  const fresh: ActiveExtract[] = [];
  let linesRead = 0;
  for (const [i, r] of records.entries()) {
    onProgress?.(i, records.length + 1, r.key);
    const extractor = new ReportExtractor(book, r.distributorId);
    const object = await deps.objects.get(r.key, r.objectVersionId);
    const reading = readReport(object.body);
    await reading.format;
    for await (const batch of reading.records) for (const record of batch) extractor.add(record);
    const summary = await reading.done;
    const extract = extractor.result({ sha256: summary.sha256, bytes: summary.rawBytes });
    const c = extract.counts;
    linesRead += c.read;
    if (r.sha256 && summary.sha256 !== r.sha256)
      differences.push(difference('report', r.key, { code: 'object-sha', params: { actual: summary.sha256, recorded: r.sha256 } }));
    const s = r.counts;
    if (!s || s.read !== c.read || s.extracted !== c.extracted || s.rejected !== c.rejected)
      differences.push(
        difference('report', r.key, {
          code: 'report-counts',
          params: {
            stored: s ? { a: s.read, b: s.extracted, c: s.rejected } : null,
            recomputed: { a: c.read, b: c.extracted, c: c.rejected },
          },
        }),
      );
    if (c.read !== c.extracted + c.rejected)
      differences.push(difference('report', r.key, { code: 'report-lines-sum' }));
    // In the form the stored extract is in: a report ingested before the binary form compares as it was written.
    const format = r.extractKey ? extractFormatOfKey(r.extractKey) : STORED_EXTRACT_FORMAT;
    const { sha256 } = storableExtract(r.reportId, extract, format);
    if (sha256 !== r.extractSha256)
      differences.push(
        difference('report', r.key, { code: 'extract-sha', params: { made: sha256, stored: r.extractSha256 ?? null } }),
      );
    fresh.push({
      reportId: r.reportId,
      version: r.activeVersion!,
      distributorId: r.distributorId,
      receivedAt: r.receivedAt,
      sha256,
      extract,
    });
  }

  onProgress?.(records.length, records.length + 1, 'computation');
  const computation = computeQuarter({ rules, reference, extracts: fresh });
  const latest = await latestComputation(deps, quarter);
  if (!latest)
    differences.push(difference('computation', quarter, { code: 'never-computed' }));
  else {
    const expected = inputsHashOf(rules.version, reference.revision, records);
    if (latest.pointer.inputsHash !== expected)
      differences.push(difference('computation', quarter, { code: 'inputs-changed' }));
    else if (latest.pointer.resultHash !== computation.record.resultHash)
      differences.push(
        difference('computation', quarter, {
          code: 'result-hash',
          params: { recorded: latest.pointer.resultHash, recomputed: computation.record.resultHash },
        }),
      );
    const lc = latest.body.counts;
    const cc = computation.counts;
    if (lc.extracted !== cc.extracted || lc.counted !== cc.counted || lc.held !== cc.held)
      differences.push(
        difference('computation', quarter, {
          code: 'computation-counts',
          params: {
            recorded: { a: lc.extracted, b: lc.counted, c: lc.held },
            recomputed: { a: cc.extracted, b: cc.counted, c: cc.held },
          },
        }),
      );
  }
  if (computation.counts.extracted !== computation.counts.counted + computation.counts.held)
    differences.push(difference('computation', quarter, { code: 'computation-lines-sum' }));

  const stored = new Map((await deps.payouts.listQuarter(quarter)).map((p) => [p.result.partnerId, p]));
  const recomputed = new Map(computation.partners.map((p) => [p.partnerId, p]));
  const partners = [...new Set([...stored.keys(), ...recomputed.keys()])].sort();
  let storedTotal = new Decimal(0);
  for (const partnerId of partners) {
    const s = stored.get(partnerId);
    const f = recomputed.get(partnerId);
    storedTotal = storedTotal.plus(s?.result.total ?? 0);
    if (s && f && s.hash === f.hash) continue;
    const before = new Map((s?.result.lines ?? []).map((l) => [lineKey(l, shown), l]));
    const after = new Map((f?.result.lines ?? []).map((l) => [lineKey(l, shown), l]));
    const compared = (l: PayoutLine | undefined) =>
      l ? { units: l.units, paidUnits: l.paidUnits, rate: l.rate.toFixed(2), amount: l.amount.toFixed(2) } : null;
    let named = false;
    for (const k of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const a = before.get(k);
      const b = after.get(k);
      if (a && b && a.units === b.units && a.paidUnits === b.paidUnits && a.rate.equals(b.rate) && a.amount.equals(b.amount)) continue;
      named = true;
      differences.push(
        difference('payout', shownPartner(partnerId), {
          code: 'payout-line',
          params: { line: k, stored: compared(a), recomputed: compared(b) },
        }),
      );
    }
    if (!named)
      differences.push(
        difference('payout', shownPartner(partnerId), {
          code: !s ? 'payout-not-stored' : !f ? 'payout-nothing-counts' : 'payout-other',
        }),
      );
  }
  if (deps.quarters)
    for (const l of await ledgerShortfalls({ ...deps, quarters: deps.quarters }, quarter))
      differences.push(difference('ledger', shownPartner(l.partnerId), l.why));
  onProgress?.(records.length + 1, records.length + 1, 'done');
  return {
    quarter,
    reportsChecked: records.length,
    linesRead,
    partnersChecked: partners.length,
    recomputedTotal: computation.total,
    storedTotal,
    differences,
  };
}
