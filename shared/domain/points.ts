/**
 * Partner Advantage points (program rules §6): what a partner earns in a quarter, the
 * append-only ledger that records it, and redemptions against the reward catalog.
 *
 * The ledger is never rewritten. A recalculation computes the target (points per source for the
 * quarter) and appends, per source, the difference from what the ledger already holds. Entry IDs
 * are `<quarter>#<source>#<seq>` (seq = 1 + entries that source already has in that quarter), so
 * the same ledger and target always produce the same entries, and two concurrent recalculations
 * collide on the same IDs instead of both appending (the store writes them conditionally).
 * Redemptions have ID `redeem#<requestId>` and quarter null.
 *
 * A balance never goes negative. Within one reconciliation, increases are appended before
 * decreases, so new earnings are available to absorb reversals. A decrease larger than the
 * available balance (points already redeemed) is cut to that balance and its reason says how many
 * points could not be reversed; when nothing is available no entry is written. The unreversed
 * part is not stored anywhere: it stays as the per-source difference between ledger and target,
 * so every later reconciliation of that quarter takes it back from whatever balance there is by
 * then, and a rerun with nothing new to take from appends nothing (idempotent).
 * Limitation: the shortfall is only retried when that quarter is reconciled again.
 */
import {
  InputValidationError,
  InsufficientPointsError,
  RewardOnRequestError,
  UnknownRewardError,
} from '../errors.js';
import { courseKey, shownDistributorId } from './ids.js';
import type { Rules } from './rules/load.js';
import { OffsetDateTime } from './rules/schema.js';
import { moscowDateOf } from './calendar.js';
import { ledgerReason, pointsReason } from './render/index.js';
import type { PartnerQuarterResult, PayoutLine, Training } from './types.js';

/** Why a source earns its points, rendered in the reader's language (render/). */
export type PointsReason =
  | {
      code: 'paid-units';
      /** `row`: program/rate row; `distributor`: as written; `example`: the campaign's rates are examples. */
      params: { units: number; row: string; distributor: string; rate: number; example: boolean };
    }
  | {
      code: 'course';
      /** `course` as written; `date`: the Moscow calendar day of its first completion. */
      params: { course: string; date: string; points: number; example: boolean };
    }
  /** A reason an earlier version stored as English text. */
  | { code: 'stored-text'; params: { text: string } };

/** What one source (a payout line or a course) should have earned in a quarter. */
export interface PointsEarning {
  source: string;
  points: number;
  reason: PointsReason;
}

/** Why a quarter's credit or adjustment was booked, rendered in the reader's language (render/). */
export type LedgerWhy =
  | { code: 'quarter-credit'; params: { quarter: string; notTakenBack?: number } }
  | { code: 'quarter-adjustment'; params: { quarter: string; now: number; before: number; notTakenBack?: number } }
  /** Points spent on a reward; `rewardRu` its Russian name, `recordedBy` who recorded it (added by the API). */
  | {
      code: 'redeemed';
      params: {
        points: number;
        reward: string;
        rewardRu?: string;
        request: string;
        recordedBy?: { role: string; sub: string };
      };
    };

export interface LedgerEntry {
  entryId: string;
  partnerId: string;
  /** The quarter the points were earned in; null for redemptions. */
  quarter: string | null;
  kind: 'earn' | 'adjust' | 'redeem';
  /** Signed integer. */
  points: number;
  source: string;
  reason: string;
  /** ISO 8601 with offset. */
  at: string;
  /** A quarter's credit: the per-source points it is made of. */
  breakdown?: PointsEarning[];
  /** A quarter's credit: why, as a code; `reason` holds its English sentence (entries before it have only that). */
  why?: LedgerWhy;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** The start of the sources of a partner's points for paid lines in a quarter (paidUnitsSource). */
export const paidUnitsPrefix = (quarter: string, partnerId: string): string => `payout:${quarter}/${partnerId}/`;

/** Where a paid line's points come from: the partner's prefix, then the line's distributor, program and rate row. */
export const paidUnitsSource = (prefix: string, l: Pick<PayoutLine, 'distributorId' | 'program' | 'rateRow'>): string =>
  `${prefix}${l.distributorId}/${l.program}/${l.rateRow}`;

/** Target points of a partner for the quarter of `result`, one earning per source, sorted by source. */
export function earningsFor(
  rules: Rules,
  result: PartnerQuarterResult,
  trainings: readonly Training[],
): PointsEarning[] {
  if (result.quarter !== rules.quarter)
    throw new InputValidationError(
      `The payout result is for ${result.quarter} but the rules are for ${rules.quarter}; points need the rules of the same quarter.`,
      [],
      { key: 'points-rules-quarter', params: { result: result.quarter, rules: rules.quarter } },
    );
  const campaign = rules.file.points;
  const example = campaign.ratesAreExamples;
  const earnings: PointsEarning[] = [];

  const prefix = paidUnitsPrefix(result.quarter, result.partnerId);
  for (const line of result.lines) {
    if (line.paidUnits <= 0) continue;
    const key = `${line.program}/${line.rateRow}`;
    const rate = campaign.pointsPerUnit[key];
    if (!rate) continue;
    earnings.push({
      source: paidUnitsSource(prefix, line),
      points: line.paidUnits * rate,
      reason: {
        code: 'paid-units',
        params: { units: line.paidUnits, row: key, distributor: shownDistributorId(line), rate, example },
      },
    });
  }

  // Once per course code: the earliest completion in the quarter is the one named in the reason.
  const firstCompletion = new Map<string, { at: number; written: string }>();
  for (const t of trainings) {
    if (t.partnerId !== result.partnerId) continue;
    const at = Date.parse(t.completedAt);
    if (Number.isNaN(at))
      throw new InputValidationError(
        `Training ${t.courseCode} of partner ${t.partnerId} has an unreadable completion time "${t.completedAt}".`,
        [],
        { key: 'training-time-unreadable', params: { course: t.courseCode, partner: t.partnerId, at: t.completedAt } },
      );
    if (at < rules.startsAt || at >= rules.endsBefore) continue;
    // By key: the source (and so the ledger entry) of a course must not depend on how it was written.
    const code = courseKey(t.courseCode);
    const seen = firstCompletion.get(code);
    if (seen === undefined || at < seen.at) firstCompletion.set(code, { at, written: t.courseCode.trim() });
  }
  for (const [code, { at, written }] of firstCompletion) {
    const points = campaign.pointsPerCourse.byCourse[code] ?? campaign.pointsPerCourse.default;
    if (!points) continue;
    earnings.push({
      source: `course:${code}`,
      points,
      reason: { code: 'course', params: { course: written, date: moscowDateOf(at), points, example } },
    });
  }

  return earnings.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

export function balance(entries: readonly LedgerEntry[]): number {
  return entries.reduce((sum, e) => sum + e.points, 0);
}

function checkAt(at: string): void {
  if (!OffsetDateTime.safeParse(at).success)
    throw new InputValidationError(
      `The time "${at}" must be a date and time with an explicit offset, e.g. 2016-04-01T00:00:00+03:00.`,
      [],
      { key: 'time-offset-needed', params: { at } },
    );
}

/**
 * The entries to append so that, for every source of `quarter`, the partner's ledger holds the
 * target (sources missing from the target go back to 0), without the balance going below 0.
 */
export function reconcileLedger(
  existing: readonly LedgerEntry[],
  partnerId: string,
  quarter: string,
  target: readonly PointsEarning[],
  at: string,
): LedgerEntry[] {
  checkAt(at);
  const wanted = new Map<string, PointsEarning>();
  for (const t of target) {
    if (!Number.isSafeInteger(t.points) || t.points < 0)
      throw new InputValidationError(
        `Points for ${t.source} must be a whole number of at least 0, not ${t.points}.`,
        [],
        { key: 'points-not-whole', params: { source: t.source, points: String(t.points) } },
      );
    if (wanted.has(t.source))
      throw new InputValidationError(`The points target names ${t.source} twice.`, [], {
        key: 'points-source-twice',
        params: { source: t.source },
      });
    wanted.set(t.source, t);
  }

  const own = existing.filter((e) => e.partnerId === partnerId);
  const held = new Map<string, { points: number; count: number }>();
  for (const e of own) {
    if (e.quarter !== quarter || e.kind === 'redeem') continue;
    const h = held.get(e.source) ?? { points: 0, count: 0 };
    held.set(e.source, { points: h.points + e.points, count: h.count + 1 });
  }

  const sources = [...new Set([...wanted.keys(), ...held.keys()])].sort();
  const deltas = sources.map((source) => {
    const was = held.get(source) ?? { points: 0, count: 0 };
    const now = wanted.get(source)?.points ?? 0;
    return { source, was, now, delta: now - was.points };
  });
  // Increases first, so they can absorb reversals made in the same run.
  const ordered = [...deltas.filter((d) => d.delta > 0), ...deltas.filter((d) => d.delta < 0)];

  let available = Math.max(0, balance(own));
  const out: LedgerEntry[] = [];
  for (const { source, was, now, delta } of ordered) {
    const points = Math.max(delta, -available);
    if (points === 0) continue;
    available += points;
    // Ledger entries keep an English sentence: they are few, and stored once.
    const wantedReason = wanted.get(source)?.reason;
    const why = wantedReason && pointsReason(wantedReason, 'en');
    let reason: string;
    if (was.count === 0) reason = why!;
    else if (now === 0)
      reason = `Reversed: this no longer earns points in ${quarter} (it held ${fmt(was.points)})`;
    else reason = `Recalculated: now ${fmt(now)} points (it held ${fmt(was.points)}): ${why}`;
    if (points !== delta)
      reason += `. ${fmt(points - delta)} points could not be reversed because they were already redeemed; they will be taken back from later points of ${quarter}`;
    out.push({
      entryId: `${quarter}#${source}#${String(was.count + 1).padStart(4, '0')}`,
      partnerId,
      quarter,
      kind: was.count === 0 ? 'earn' : 'adjust',
      points,
      source,
      reason,
      at,
    });
  }
  return out;
}

/**
 * The ledger entry that brings what a partner was credited for a closed quarter to its pending
 * points (`target`), or null when nothing is to change: the first is the quarter's credit at close,
 * one entry with the per-source breakdown inside; later ones are adjustments (a corrected report,
 * a reference change after the close). A debit is limited to the balance, so a balance never goes
 * negative; what could not be taken back stays as the difference and is retried at the next one.
 */
export function creditQuarter(
  existing: readonly LedgerEntry[],
  partnerId: string,
  quarter: string,
  target: readonly PointsEarning[],
  at: string,
): LedgerEntry | null {
  checkAt(at);
  const own = existing.filter((e) => e.partnerId === partnerId);
  const credits = own.filter((e) => e.quarter === quarter && e.kind !== 'redeem');
  const credited = balance(credits);
  const wanted = target.reduce((sum, t) => sum + t.points, 0);
  const delta = wanted - credited;
  const points = Math.max(delta, -Math.max(0, balance(own)));
  if (points === 0) return null;
  const n = credits.length + 1;
  const shortfall = points !== delta ? { notTakenBack: points - delta } : {};
  const why: LedgerWhy =
    n === 1
      ? { code: 'quarter-credit', params: { quarter, ...shortfall } }
      : { code: 'quarter-adjustment', params: { quarter, now: wanted, before: credited, ...shortfall } };
  return {
    entryId: `${quarter}#credit#${String(n).padStart(4, '0')}`,
    partnerId,
    quarter,
    kind: n === 1 ? 'earn' : 'adjust',
    points,
    source: `quarter:${quarter}`,
    // The ledger is append-only: the English sentence is kept with the code it was written from.
    reason: ledgerReason(why, 'en'),
    at,
    breakdown: [...target],
    why,
  };
}

/**
 * A redemption entry for one reward. The request ID makes it idempotent: asking again with the
 * same ID returns the entry already in the ledger instead of spending twice.
 */
export function redeem(
  rules: Rules,
  entries: readonly LedgerEntry[],
  partnerId: string,
  rewardId: string,
  at: string,
  requestId: string,
): LedgerEntry {
  if (!requestId) throw new InputValidationError('A redemption needs a request ID.', [], { key: 'request-id-missing' });
  const own = entries.filter((e) => e.partnerId === partnerId);
  const entryId = `redeem#${requestId}`;
  const source = `reward:${rewardId}:${requestId}`;
  const done = own.find((e) => e.entryId === entryId);
  if (done) {
    if (done.source !== source)
      throw new InputValidationError(
        `Request ${requestId} was already used to redeem ${done.source.split(':')[1]}; use a new request ID for ${rewardId}.`,
        [],
        { key: 'request-id-used', params: { request: requestId, used: done.source.split(':')[1] ?? '', reward: rewardId } },
      );
    return done;
  }

  const rewards = rules.file.points.rewards;
  const reward = rewards.find((r) => r.id === rewardId);
  if (!reward)
    throw new UnknownRewardError(
      `There is no reward "${rewardId}" in the ${rules.quarter} catalog. Rewards: ${rewards.map((r) => r.id).join(', ')}.`,
      [],
      { key: 'reward-unknown', params: { reward: rewardId, quarter: rules.quarter, rewards: rewards.map((r) => r.id) } },
    );
  if (reward.points === null)
    throw new RewardOnRequestError(
      `${reward.name} has no points price: it is arranged on request with the program manager.`,
      { key: 'reward-on-request', params: { reward: reward.name, rewardRu: reward.nameRu ?? reward.name } },
    );
  checkAt(at);
  const has = balance(own);
  if (has < reward.points)
    throw new InsufficientPointsError(
      `${reward.name} costs ${fmt(reward.points)} points, but the balance is ${fmt(has)} points (${fmt(reward.points - has)} more needed).`,
      {
        key: 'insufficient-points',
        params: { reward: reward.name, rewardRu: reward.nameRu ?? reward.name, price: reward.points, balance: has },
      },
    );
  return {
    entryId,
    partnerId,
    quarter: null,
    kind: 'redeem',
    points: -reward.points,
    source,
    reason: `Redeemed ${fmt(reward.points)} points for ${reward.name} (request ${requestId})`,
    why: {
      code: 'redeemed',
      params: {
        points: reward.points,
        reward: reward.name,
        ...(reward.nameRu ? { rewardRu: reward.nameRu } : {}),
        request: requestId,
      },
    },
    at,
  };
}
