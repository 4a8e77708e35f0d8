/**
 * A partner's payout item of a quarter as stored: figures, codes and params only (no sentence is
 * stored; shared/domain/render writes them at read time), and nothing the item says twice. The
 * sample folder's items are 0.66–1.65 KB, median 1.0 KB (with English sentences: 1.4–5.9 KB,
 * median 2.8 KB; test/adapters/payout-item.test.ts bounds them); DynamoDB writes small items
 * several times faster.
 *
 * Left out of each line, and put back on reading: the quarter, partner ID and partner as written
 * (the item's); the distributor as written when it equals the key; paid units and amount when
 * the figures give them; null fields of the explanation; its plan fields and
 * acceptance use, which the program's tier progress holds; `missingCourses` when the groups its
 * sentence names give them; and warnings (the result's list is its own followed by the lines').
 * Items written before this format (`v` absent) carry whole results with English sentences; they
 * decode to the same types, their sentences kept as `stored-text`.
 *
 * On the table (encodePayoutItem): the keys, `total`, `rulesVersion`, `hash` and `computedAt` as
 * attributes, and result and points as one deflated JSON binary attribute `z`. Nested maps cost
 * DynamoDB a type tag per value on the wire and in its parse; the bench's items went from 2.4 KB to
 * a few hundred bytes, and DynamoDB writes small items several times faster. Every reader goes
 * through decodePayoutItem; items written before `z` (result and points as maps) still read.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { PayoutItemFormatError } from '../../errors.js';
import { ITEM_PREFIX } from '../../storage-contract.js';
import { paidAmount } from '../../domain/payout.js';
import type { PointsEarning, PointsReason } from '../../domain/points.js';
import type {
  AcceptanceUse,
  Explanation,
  PartnerQuarterResult,
  PayoutLine,
  PayoutWarning,
  TierProgress,
} from '../../domain/types.js';

import {
  courseEarning,
  coursesOf,
  EXPLANATION_NULLS,
  paidUnitsEarning,
  PAYOUT_ITEM_FORMAT,
  payoutContent,
  planFieldsOf,
  PROGRESS_NULLS,
} from '../../pipeline/payout-content.js';

type Item = Record<string, unknown>;

function withNulls<T>(o: Item, keys: readonly string[]): T {
  const out: Item = { ...o };
  for (const k of keys) if (!(k in out)) out[k] = null;
  return out as T;
}

export function decodePayoutResult(raw: Item): PartnerQuarterResult {
  return raw.v === PAYOUT_ITEM_FORMAT ? decodeLean(raw) : decodeEarlier(raw);
}

function decodeLean(raw: Item): PartnerQuarterResult {
  const quarter = String(raw.quarter);
  const partnerId = String(raw.partnerId);
  const partnerDisplayId =
    raw.partnerDisplayId === undefined ? partnerId : raw.partnerDisplayId === null ? undefined : String(raw.partnerDisplayId);
  const progress = (raw.progress as Item[]).map((p): TierProgress => {
    const { registered, unmetGates, ...rest } = withNulls<Item>(p, PROGRESS_NULLS);
    return {
      ...(rest as unknown as TierProgress),
      partnerId,
      ...(registered === null ? {} : { registered: registered === undefined ? true : Boolean(registered) }),
      ...(registered === null ? {} : { unmetGates: (unmetGates as string[] | undefined) ?? [] }),
    };
  });
  const useOf = new Map(progress.map((p) => [p.program, p.acceptance]));
  const progressOf = new Map(progress.map((p) => [p.program, p]));
  const lines = (raw.lines as Item[]).map((l): PayoutLine => {
    const { explanation, warnings, rate: rateStored, amount, paidUnits: paidStored, distributorDisplayId, partnerDisplayId: own, ...rest } = l;
    const rate = new Decimal(String(rateStored));
    const paidUnits = paidStored === undefined ? Number(l.units) : Number(paidStored);
    const ex = explanation as Item;
    const acceptance = ex.acceptance === null ? undefined : ((ex.acceptance as AcceptanceUse | undefined) ?? useOf.get(String(l.program)));
    const { acceptance: _a, ...stated } = withNulls<Item>(ex, EXPLANATION_NULLS);
    const fields = stated as unknown as Explanation;
    if (ex.programUnits === undefined) Object.assign(fields, planFieldsOf(progressOf.get(String(l.program))));
    if (fields.reason === 'training-missing' && !('missingCourses' in ex)) fields.missingCourses = coursesOf(fields);
    const shown = own === undefined ? partnerDisplayId : own === null ? undefined : String(own);
    const dShown = distributorDisplayId === undefined ? String(l.distributorId) : distributorDisplayId === null ? undefined : String(distributorDisplayId);
    return {
      quarter,
      partnerId,
      ...(rest as unknown as Omit<PayoutLine, 'quarter' | 'partnerId' | 'rate' | 'amount' | 'explanation' | 'warnings'>),
      ...(shown !== undefined ? { partnerDisplayId: shown } : {}),
      ...(dShown !== undefined ? { distributorDisplayId: dShown } : {}),
      paidUnits,
      rate,
      amount: amount === undefined ? paidAmount(rate, paidUnits) : new Decimal(String(amount)),
      explanation: { ...fields, ...(acceptance ? { acceptance } : {}) },
      warnings: (warnings as PayoutWarning[] | undefined) ?? [],
    };
  });
  const warnings = (raw.allWarnings as PayoutWarning[] | undefined) ?? [
    ...((raw.warnings as PayoutWarning[] | undefined) ?? []),
    ...lines.flatMap((l) => l.warnings),
  ];
  const total = raw.total === undefined ? lines.reduce((t, l) => t.plus(l.amount), new Decimal(0)) : new Decimal(String(raw.total));
  return { quarter, partnerId, rulesVersion: String(raw.rulesVersion), lines, progress, total, warnings };
}

const storedWarning = (w: unknown): PayoutWarning =>
  typeof w === 'string' ? { code: 'stored-text', params: { text: w } } : (w as PayoutWarning);

/** A whole result with English sentences, as stored before codes. */
function decodeEarlier(raw: Item): PartnerQuarterResult {
  const r = raw as unknown as PartnerQuarterResult & {
    lines: (Omit<PayoutLine, 'rate' | 'amount' | 'explanation'> & { rate: string; amount: string; explanation: Item })[];
  };
  return {
    ...r,
    total: new Decimal(r.total as unknown as string),
    warnings: (r.warnings as unknown[]).map(storedWarning),
    lines: r.lines.map((l) => {
      const { text, ...ex } = l.explanation as unknown as Item;
      return {
        ...l,
        rate: new Decimal(l.rate),
        amount: new Decimal(l.amount),
        explanation:
          typeof text === 'string' && ex.code === undefined
            ? ({ ...ex, code: 'stored-text', params: { text } } as unknown as Explanation)
            : (l.explanation as unknown as Explanation),
        warnings: (l.warnings as unknown[]).map(storedWarning),
      };
    }),
  };
}

/** Pending points as stored (any format); a reason an earlier version wrote as text is kept as `stored-text`. */
export function decodePayoutPoints(raw: unknown, example: unknown, r: PartnerQuarterResult): PointsEarning[] {
  if (!Array.isArray(raw)) return [];
  const flag = example === true;
  return (raw as Item[]).map((e) => {
    if (typeof e.line === 'number') return paidUnitsEarning(r, e.line, Number(e.rate), flag);
    if (typeof e.course === 'string') return courseEarning(e.course, String(e.date), Number(e.points), flag);
    return decodePoints([e])[0]!;
  });
}

/** Pending points as stored: a reason an earlier version wrote as text is kept as `stored-text`. */
export function decodePoints(raw: unknown): PointsEarning[] {
  if (!Array.isArray(raw)) return [];
  return (raw as Item[]).map((e) => ({
    source: String(e.source),
    points: Number(e.points),
    reason:
      typeof e.reason === 'string'
        ? { code: 'stored-text', params: { text: e.reason } }
        : (e.reason as PointsReason),
  }));
}

/**
 * Deflate's preset dictionary for `z`: the keys and common values of the lean result and points,
 * so a small item need not spell them out once before it can refer to them (about a third fewer
 * bytes). Items name their dictionary in `zd`; never change a released one (stored items are
 * inflated with it), add another under a new number instead.
 */
const DICTIONARIES: Record<number, Buffer> = {
  1: Buffer.from(
    '"not-accepted","program-not-accepted","below-lowest-plan","zero-rate","accepted-late","acceptanceDeadline",' +
      '"why","late","lateCourses","completedAt","training-missing","program-training-missing","trainingDeadline",' +
      '"missing":[{"label":"","courses":["unmetGates","technical","sales","plan-not-met","missingUnits",' +
      '"nextThreshold","unitsToNext","chosenPlan","negative-net","reason","warnings","params":{"partner":"",' +
      '"distributor":"","course":"","date":"","points":,"paidUnits":,"partnerDisplayId":"","distributorDisplayId":"",' +
      '"client","mainstream","premium","enterprise","workstation","precision","rugged","monitors",' +
      '"explanation":{"code":"paid"}},{"distributorId":"meridian","program":"client","rateRow":"","units":,"rate":".00",' +
      '"explanation":{"code":"paid"}},{"distributorId":"orbita","program":"monitors","rateRow":"","units":,"rate":".00",' +
      '"explanation":{"code":"paid"}},{"distributorId":"kvant","program":"client","rateRow":"","units":,"rate":".00",' +
      '"progress":[{"program":"client","units":,"thresholds":[100,300],"appliedPlan":,"accepted":true,' +
      '"acceptance":{"used":{"plan":null,"acceptedAt":"2016-02-02T11:00:00+03:00"},"ignored":[]}}]},' +
      '"points":[{"line":0,"rate":10},{"line":1,"rate":5},{"line":2,"rate":15},{"line":3,"rate":20},' +
      '{"line":4,"rate":50}],"pointsExample":true}' +
      '{"result":{"v":2,"quarter":"2016-Q1","partnerId":"RU1","rulesVersion":"2016-Q1.","total":".00","lines":[' +
      '{"distributorId":"kvant","program":"client","rateRow":"","units":,"rate":".00","explanation":{"code":"paid"}},',
    'utf8',
  ),
};
const DICTIONARY = 1;

/** The attributes of a payout item besides its keys (the repository adds those). */
export function encodePayoutItem(
  r: { result: PartnerQuarterResult; points: readonly PointsEarning[]; hash: string; content?: string },
  computedAt: string,
): Item {
  // The computation made the text already when it hashed it (PartnerOutcome.content).
  const inside = r.content ?? payoutContent(r.result, r.points);
  return {
    // What a reader of the table (or a console) looks for, readable without inflating.
    total: r.result.total.toFixed(2),
    rulesVersion: r.result.rulesVersion,
    z: deflateRawSync(inside, { dictionary: DICTIONARIES[DICTIONARY]! }),
    zd: DICTIONARY,
    hash: r.hash,
    computedAt,
  };
}

/** The stored `result`, `points` and `pointsExample` of a payout item of any format, as JSON. */
export function payoutItemContents(i: Item): Item {
  // Items written before `z` hold result and points as attributes of their own.
  return i.z instanceof Uint8Array ? (JSON.parse(inflated(i.z, i.zd).toString('utf8')) as Item) : i;
}

/** A payout item of any format back to its result and points. */
export function decodePayoutItem(i: Item): { result: PartnerQuarterResult; points: PointsEarning[] } {
  const inside = payoutItemContents(i);
  const result = decodePayoutResult(inside.result as Item);
  return { result, points: decodePayoutPoints(inside.points, inside.pointsExample, result) };
}

function inflated(z: Uint8Array, zd: unknown): Buffer {
  if (zd === undefined) return inflateRawSync(z);
  const dictionary = DICTIONARIES[Number(zd)];
  if (!dictionary)
    throw new PayoutItemFormatError(
      `A stored payout was written by a newer version of this software (its compression dictionary ${String(zd)} is unknown here); update the software to read it.`,
      { key: 'payout-item-newer', params: { dictionary: String(zd) } },
    );
  return inflateRawSync(z, { dictionary });
}

// ---------------------------------------------------------------- shards

/** A partner's stored payout inside a shard: what its own item holds, its text not yet parsed. */
export interface ShardEntry {
  partnerId: string;
  hash: string;
  computedAt: string;
  /** The result and points as stored text (payoutContent), the same as an item's inflated `z`. */
  content: string;
}

/** The entry of a result to store (its text made once, by the computation when it hashed it). */
export function shardEntryOf(
  r: { result: PartnerQuarterResult; points: readonly PointsEarning[]; hash: string; content?: string },
  computedAt: string,
): ShardEntry {
  return { partnerId: r.result.partnerId, hash: r.hash, computedAt, content: r.content ?? payoutContent(r.result, r.points) };
}

/**
 * A shard's attributes besides its keys: its entries sorted by partner ID, as lines (a header of
 * partner, hash and time, then the content, which JSON keeps on one line) deflated as one blob
 * with the items' dictionary. One blob, not an attribute per partner: neighbouring results share
 * most of their words, so the shard is about half the bytes of its partners' items.
 */
export function encodePayoutShard(entries: readonly ShardEntry[]): Item {
  const sorted = [...entries].sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0));
  const text = sorted
    .map((e) => `${JSON.stringify({ p: e.partnerId, h: e.hash, at: e.computedAt })}\n${e.content}`)
    .join('\n');
  return { n: sorted.length, z: deflateRawSync(text, { dictionary: DICTIONARIES[DICTIONARY]! }), zd: DICTIONARY };
}

/** A shard item's entries (their contents still text: a merge rewrites them as they are). */
export function payoutShardEntries(i: Item): ShardEntry[] {
  if (!(i.z instanceof Uint8Array) || Number(i.n ?? 0) === 0) return [];
  const lines = inflated(i.z, i.zd).toString('utf8').split('\n');
  const out: ShardEntry[] = [];
  for (let k = 0; k + 1 < lines.length; k += 2) {
    const h = JSON.parse(lines[k]!) as { p: string; h: string; at: string };
    out.push({ partnerId: h.p, hash: h.h, computedAt: h.at, content: lines[k + 1]! });
  }
  return out;
}

/** A shard entry back to its result and points. */
export function decodeShardEntry(e: ShardEntry): { result: PartnerQuarterResult; points: PointsEarning[] } {
  const inside = JSON.parse(e.content) as Item;
  const result = decodePayoutResult(inside.result as Item);
  return { result, points: decodePayoutPoints(inside.points, inside.pointsExample, result) };
}

const PARTNER_PREFIX = ITEM_PREFIX.partner;

/** An item written one per partner (pk `PARTNER#<id>`) as a shard entry, to fold into its shard. */
export function shardEntryOfItem(i: Item): ShardEntry {
  const inside = payoutItemContents(i);
  const content =
    i.z instanceof Uint8Array
      ? JSON.stringify(inside)
      : // Items before `z` hold their result and points as attributes: kept as the same JSON.
        JSON.stringify({ result: inside.result, points: inside.points, ...(inside.pointsExample !== undefined ? { pointsExample: inside.pointsExample } : {}) });
  return {
    partnerId: String(i.pk).slice(PARTNER_PREFIX.length),
    hash: typeof i.hash === 'string' ? i.hash : '',
    computedAt: String(i.computedAt),
    content,
  };
}
