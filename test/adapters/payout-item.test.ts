/**
 * The payout item as stored (shared/adapters/dynamo/payout-item.ts): figures and codes only, small,
 * read back exactly as computed; and items written before codes, with English sentences, still read.
 */
import { readFileSync } from 'node:fs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  decodePayoutItem,
  decodePayoutPoints,
  decodePayoutResult,
  decodeShardEntry,
  encodePayoutItem,
  encodePayoutShard,
  payoutShardEntries,
  shardEntryOf,
  shardEntryOfItem,
} from '../../shared/adapters/dynamo/payout-item.js';
import { encodePayoutPoints, encodePayoutResult } from '../../shared/pipeline/payout-content.js';
import { explainLine, pointsReason, progressSummary, warningText } from '../../shared/domain/render/index.js';
import type { PartnerQuarterResult } from '../../shared/domain/types.js';
import { PayoutItemFormatError } from '../../shared/errors.js';
import type { QuarterComputation } from '../../shared/pipeline/compute-quarter.js';
import { scenarios } from '../support/payout-cases.js';
import { computeSampleQuarter } from '../support/sample-quarter.js';
import { aReference, aTally, anAcceptance, sampleRules } from '../support/domain-fixtures.js';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';

/** The item as the repository writes it, keys and bookkeeping included. */
function itemOf(p: QuarterComputation['partners'][number]) {
  return {
    pk: `PARTNER#${p.partnerId}`,
    sk: `PAYOUT#${p.result.quarter}`,
    result: encodePayoutResult(p.result),
    ...encodePayoutPoints(p.points, p.result),
    hash: p.hash,
    computedAt: '2016-04-02T09:00:00.000Z',
  };
}

const bytes = (o: unknown): number => Buffer.byteLength(JSON.stringify(o), 'utf8');
/** Decimals compared as their strings: a decoded result is equal when its JSON is. */
const json = (o: unknown): unknown => JSON.parse(JSON.stringify(o));

let sample: QuarterComputation;
beforeAll(async () => {
  sample = await computeSampleQuarter();
});

describe('a payout item holds figures and codes only', () => {
  test('every payout item of the sample folder is under 2 KB, a typical one under 1 KB', () => {
    const sizes = sample.partners.map((p) => bytes(itemOf(p))).sort((a, b) => a - b);
    expect(sizes.length).toBeGreaterThan(15);
    expect(sizes.at(-1)).toBeLessThan(2048);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThan(1024);
  });

  test('no sentence is stored, in either language', () => {
    for (const p of sample.partners) {
      const stored = JSON.stringify(itemOf(p));
      expect(stored).not.toMatch(/"(text|summary)":|Pays nothing|applies \(|units? bought|Не выплачивается|единиц/);
    }
  });

  test('a result reads back exactly as computed: the sample folder and every case of the program', () => {
    const results: PartnerQuarterResult[] = [...sample.partners.map((p) => p.result), ...Object.values(scenarios())];
    for (const r of results) {
      const stored = json(encodePayoutResult(r)) as Record<string, unknown>;
      expect(json(decodePayoutResult(stored))).toEqual(json(r));
    }
  });

  test('the stored text of a line as the calculation makes it is the text of the same line copied key by key', () => {
    // A key more, left out of JSON, sends a line and its explanation down the key-by-key copy.
    const results: PartnerQuarterResult[] = [...sample.partners.map((p) => p.result), ...Object.values(scenarios())];
    expect(results.some((r) => r.lines.some((l) => l.explanation.params))).toBe(true);
    for (const r of results) {
      const copied = {
        ...r,
        lines: r.lines.map((l) => ({ ...l, extra: undefined, explanation: { ...l.explanation, extra: undefined } })),
      };
      expect(JSON.stringify(encodePayoutResult(copied))).toBe(JSON.stringify(encodePayoutResult(r)));
    }
  });

  test('lines that share one explanation are stored as if each had its own, in whichever program they are', () => {
    // The calculation gives the lines of a program with the same sentence one explanation; the
    // stored text must not depend on that, nor on an explanation shared across programs.
    const r = calculatePartnerQuarter(
      sampleRules('2016-Q1'),
      aReference({ acceptances: [anAcceptance('client', 50), anAcceptance('monitors', 100)] }),
      'P1',
      [aTally('client', 'premium', 60), aTally('client', 'mainstream', 5), aTally('monitors', '30-55', 120, { distributorId: 'D2' })],
    );
    expect(new Set(r.lines.map((l) => l.program)).size).toBe(2);
    // Two lines of the client program with the same sentence: one explanation.
    expect(r.lines[0]!.explanation).toBe(r.lines[1]!.explanation);
    const first = r.lines[0]!.explanation;
    const sharedAcross = { ...r, lines: r.lines.map((l) => ({ ...l, explanation: first })) };
    const ownCopies = { ...r, lines: r.lines.map((l) => ({ ...l, explanation: structuredClone(first) })) };
    expect(JSON.stringify(encodePayoutResult(sharedAcross))).toBe(JSON.stringify(encodePayoutResult(ownCopies)));
    const stored = encodePayoutResult(sharedAcross) as { lines: { program: string; explanation: Record<string, unknown> }[] };
    // The plan fields are left out where they are the line's program's, and kept where they are not.
    const kept = stored.lines.map((l) => 'programUnits' in l.explanation);
    expect(kept).toContain(true);
    expect(kept).toContain(false);
    for (const r2 of [...sample.partners.map((p) => p.result), ...Object.values(scenarios())]) {
      const copies = { ...r2, lines: r2.lines.map((l) => ({ ...l, explanation: structuredClone(l.explanation) })) };
      expect(JSON.stringify(encodePayoutResult(r2))).toBe(JSON.stringify(encodePayoutResult(copies)));
    }
  });

  test('pending points read back exactly as computed', () => {
    expect(sample.partners.some((p) => p.points.length > 1)).toBe(true);
    for (const p of sample.partners) {
      const { points, pointsExample } = json(encodePayoutPoints(p.points, p.result)) as ReturnType<typeof encodePayoutPoints>;
      expect(decodePayoutPoints(points, pointsExample, p.result)).toEqual(p.points);
    }
  });

  test('a line earning is stored short only when its line gives it back exactly: another value or key order keeps it whole', () => {
    const p = sample.partners.find((x) => x.points.some((e) => e.reason.code === 'paid-units'))!;
    const i = p.points.findIndex((e) => e.reason.code === 'paid-units');
    const e = p.points[i]!;
    const params = e.reason.params as { units: number; row: string; distributor: string; rate: number; example: boolean };
    const variants = [
      { ...e, points: e.points + 1 },
      { ...e, reason: { code: 'paid-units' as const, params: { ...params, units: params.units + 1 } } },
      { ...e, reason: { code: 'paid-units' as const, params: { ...params, distributor: `${params.distributor}-X` } } },
      // The same values, keys in another order: another JSON text, so not what the line gives.
      {
        ...e,
        reason: {
          code: 'paid-units' as const,
          params: { row: params.row, units: params.units, distributor: params.distributor, rate: params.rate, example: params.example },
        },
      },
      { reason: e.reason, source: e.source, points: e.points },
    ];
    const short = encodePayoutPoints(p.points, p.result).points[i];
    expect(short).toEqual({ line: expect.any(Number), rate: params.rate });
    for (const v of variants) {
      const points = p.points.map((x, j) => (j === i ? v : x));
      const stored = json(encodePayoutPoints(points, p.result)) as ReturnType<typeof encodePayoutPoints>;
      expect(stored.points[i]).toEqual(json(v));
      expect(decodePayoutPoints(stored.points, stored.pointsExample, p.result)[i]).toEqual(v);
    }
  });

  test('what the item leaves out is put back as the calculation had it (acceptance, plan fields, partner as written)', () => {
    const r = Object.values(scenarios()).find((x) => x.lines.some((l) => l.explanation.acceptance?.ignored.length))!;
    const stored = encodePayoutResult(r) as { lines: { explanation: Record<string, unknown> }[] };
    expect(stored.lines[0]!.explanation).not.toHaveProperty('acceptance');
    expect(stored.lines[0]!.explanation).not.toHaveProperty('programUnits');
    const line = decodePayoutResult(stored as unknown as Record<string, unknown>).lines[0]!;
    expect(line.explanation.acceptance).toEqual(r.lines[0]!.explanation.acceptance);
    expect(line.explanation.programUnits).toBe(r.lines[0]!.explanation.programUnits);
    expect(line.partnerDisplayId).toBe(r.lines[0]!.partnerDisplayId);
  });
});

describe('items stored before codes (whole results with English sentences)', () => {
  const before = JSON.parse(
    readFileSync(new URL('./fixtures/payout-items-before-codes.json', import.meta.url), 'utf8'),
  ) as { result: Record<string, unknown>; points: unknown; hash: string }[];

  test('read with their figures, and their sentences shown as stored in either language', () => {
    const [withWarning] = before;
    const stored = withWarning!.result as { lines: { explanation: { text: string }; amount: string }[]; warnings: string[]; progress: { summary: string }[]; total: string };
    const r = decodePayoutResult(withWarning!.result);
    // Decimals were stored as their JSON, "103488" for 103488.00.
    expect(r.total.toFixed(2)).toBe(new Decimal(stored.total).toFixed(2));
    expect(r.total.greaterThan(0)).toBe(true);
    expect(r.lines.map((l) => l.amount.toFixed(2))).toEqual(stored.lines.map((l) => new Decimal(l.amount).toFixed(2)));
    for (const lang of ['en', 'ru'] as const) {
      expect(r.lines.map((l) => explainLine(l, lang))).toEqual(stored.lines.map((l) => l.explanation.text));
      expect(r.warnings.map((w) => warningText(w, lang))).toEqual(stored.warnings);
      expect(r.progress.map((p) => progressSummary(p, lang))).toEqual(stored.progress.map((p) => p.summary));
    }
    expect(stored.warnings.length).toBeGreaterThan(0);
  });

  test('their points keep their reasons as stored', () => {
    const [withPoints] = before;
    const r = decodePayoutResult(withPoints!.result);
    const points = decodePayoutPoints(withPoints!.points, undefined, r);
    const stored = withPoints!.points as { source: string; points: number; reason: string }[];
    expect(points.length).toBe(stored.length);
    expect(points.map((e) => [e.source, e.points, pointsReason(e.reason, 'ru')])).toEqual(
      stored.map((e) => [e.source, e.points, e.reason]),
    );
  });

  test('the same partner computed now is a fraction of the size it was stored at', () => {
    const now = sample.partners.find((p) => p.partnerId === 'RU100101')!;
    const was = before.find((i) => (i.result as { partnerId: string }).partnerId === 'RU100101')!;
    expect(bytes(itemOf(now)) * 2).toBeLessThan(bytes(was));
  });
});

describe('the item on the table: figures as attributes, the rest deflated in one binary attribute', () => {
  const at = '2016-04-02T09:00:00.000Z';
  /** What DynamoDB is sent: each value with its type tag, a binary attribute as base64. */
  const wireBytes = (o: Record<string, unknown>): number =>
    bytes(
      JSON.parse(
        // `this[k]` is the value before a Buffer's toJSON turned it into a list of numbers.
        JSON.stringify(marshall(o, { removeUndefinedValues: true }), function (this: Record<string, unknown>, k, v: unknown) {
          const raw = this[k];
          return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : v;
        }),
      ),
    );

  test('result and points read back exactly as computed, with total and hash readable as attributes', () => {
    for (const p of sample.partners) {
      const item = encodePayoutItem(p, at);
      expect(item.total).toBe(p.result.total.toFixed(2));
      expect(item.hash).toBe(p.hash);
      expect(item).not.toHaveProperty('result');
      const back = decodePayoutItem(item);
      expect(json(back.result)).toEqual(json(p.result));
      expect(back.points).toEqual(p.points);
    }
  });

  test('on the wire, every item is at most half its size with result and points as maps', () => {
    for (const p of sample.partners) expect(wireBytes(encodePayoutItem(p, at)) * 2).toBeLessThan(wireBytes(json(itemOf(p)) as Record<string, unknown>));
  });

  test('items written with result and points as maps still read', () => {
    for (const p of sample.partners) {
      const back = decodePayoutItem(json(itemOf(p)) as Record<string, unknown>);
      expect(json(back.result)).toEqual(json(p.result));
      expect(back.points).toEqual(p.points);
    }
  });

  test('an item compressed with a dictionary this version does not know is refused in plain words', () => {
    const item = { ...encodePayoutItem(sample.partners[0]!, at), zd: 99 };
    expect(() => decodePayoutItem(item)).toThrow(PayoutItemFormatError);
    expect(() => decodePayoutItem(item)).toThrow(/newer version .* update the software/);
  });
});

describe('a payout shard holds many partners in one blob', () => {
  const AT = '2016-04-02T09:00:00.000Z';

  test('its entries read back exactly as computed, sorted by partner, and smaller than the items', () => {
    const partners = [...sample.partners].reverse();
    const shard = encodePayoutShard(partners.map((p) => shardEntryOf(p, AT)));
    const entries = payoutShardEntries(shard);
    expect(shard.n).toBe(partners.length);
    expect(entries.map((e) => e.partnerId)).toEqual(partners.map((p) => p.partnerId).sort());
    for (const e of entries) {
      const p = sample.partners.find((q) => q.partnerId === e.partnerId)!;
      expect([e.hash, e.computedAt]).toEqual([p.hash, AT]);
      const back = decodeShardEntry(e);
      expect(json(back.result)).toEqual(json(p.result));
      expect(json(back.points)).toEqual(json(p.points));
    }
    const items = sample.partners.reduce((n, p) => n + (encodePayoutItem(p, AT).z as Uint8Array).length, 0);
    expect((shard.z as Uint8Array).length).toBeLessThan(items);
  });

  test('an empty shard has no entries; an item of an earlier version becomes the same entry', () => {
    expect(payoutShardEntries(encodePayoutShard([]))).toEqual([]);
    const p = sample.partners[0]!;
    const lean = { pk: `PARTNER#${p.partnerId}`, sk: `PAYOUT#${p.result.quarter}`, ...encodePayoutItem(p, AT) };
    for (const item of [lean, itemOf(p)]) {
      const e = shardEntryOfItem(item);
      expect([e.partnerId, e.hash, e.computedAt]).toEqual([p.partnerId, p.hash, AT]);
      expect(json(decodeShardEntry(e).result)).toEqual(json(p.result));
    }
  });
});
