/**
 * The compact per-line state of a report check: the key → first-line table, the field hash, and
 * the bounded memo; then the tallier over more distinct values than its memos hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReportRecord } from '../../shared/csv/read-report.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { BoundedMemo, detached, FieldHash, LineIndex } from '../../shared/pipeline/line-index.js';
import { ReportTallier } from '../../shared/pipeline/lines.js';
import type { IngestReference } from '../../shared/pipeline/lines.js';
import { aPartner, sampleRules } from '../support/domain-fixtures.js';

describe('LineIndex', () => {
  it('keeps the first line of every key through many resizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }))),
        (keys) => {
          const index = new LineIndex(16);
          const first = new Map<string, number>();
          keys.forEach(([hi, lo], i) => {
            const line = i + 1;
            const expected = first.get(`${hi}:${lo}`) ?? 0;
            expect(index.putIfAbsent(hi, lo, line)).toBe(expected);
            if (!expected) first.set(`${hi}:${lo}`, line);
          });
          expect(index.size).toBe(first.size);
          for (const [key, line] of first) {
            const [hi, lo] = key.split(':').map(Number);
            expect(index.get(hi!, lo!)).toBe(line);
          }
          expect(index.get(999, 999)).toBe(0);
          expect([...index.entries()].length).toBe(first.size);
        },
      ),
    );
  });

  it('holds full 32-bit halves and 100,000 keys in a few MB', () => {
    const index = new LineIndex();
    for (let i = 1; i <= 100_000; i++) index.putIfAbsent(0xffffffff - i, (i * 2654435761) >>> 0, i);
    expect(index.size).toBe(100_000);
    expect(index.get(0xffffffff - 77_777, (77_777 * 2654435761) >>> 0)).toBe(77_777);
    // 13 bytes a slot: the line, the key, and its fingerprint byte.
    expect(index.bytes).toBeLessThanOrEqual(3.25 * 1024 * 1024);
  });

  it('refuses line 0, which marks a free slot', () => {
    expect(() => new LineIndex().putIfAbsent(1, 2, 0)).toThrow(RangeError);
  });
});

describe('FieldHash', () => {
  const of = (...parts: string[]) => {
    const h = new FieldHash().start();
    for (const p of parts) h.add(p);
    h.finish();
    return `${h.hi}:${h.lo}`;
  };

  it('is the same for the same fields and apart when a boundary moves', () => {
    expect(of('ab', 'c')).toBe(of('ab', 'c'));
    expect(of('ab', 'c')).not.toBe(of('a', 'bc'));
    expect(of('', 'x')).not.toBe(of('x', ''));
    expect(of('x')).not.toBe(of('x', ''));
  });

  it('gives distinct hashes to 200,000 distinct invoice lines', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(of('2016-02-15', `INV-${i}`, 'P1', 'Dell Vostro 3568', '1'));
    expect(seen.size).toBe(200_000);
  });
});

describe('BoundedMemo', () => {
  it('computes a value once while it fits, and empties itself when full', () => {
    const memo = new BoundedMemo<number>(3);
    let calls = 0;
    const len = (s: string) => (calls++, s.length);
    expect([memo.get('a', len), memo.get('bb', len), memo.get('a', len)]).toEqual([1, 2, 1]);
    expect(calls).toBe(2);
    memo.get('ccc', len);
    memo.get('dddd', len); // full: emptied, then 'dddd' stored
    expect(memo.get('a', len)).toBe(1);
    expect(calls).toBe(5);
  });

  it('remembers undefined and null results too', () => {
    const memo = new BoundedMemo<null>(10);
    let calls = 0;
    memo.get('x', () => (calls++, null));
    memo.get('x', () => (calls++, null));
    expect(calls).toBe(1);
  });
});

describe('ReportTallier past its memo sizes', () => {
  const rules = sampleRules('2016-Q1');
  const reference: IngestReference = {
    partners: new Map(
      Array.from({ length: 12_000 }, (_, i) => [`${10_000 + i}`, aPartner({ id: `${10_000 + i}` })]),
    ),
    distributors: new Map([
      ['d1', { id: 'd1', displayId: 'D1', name: 'D1', segments: ['consumer', 'commercial', 'monitors'] }],
    ]),
    catalog: new Map(),
  };
  const record = (i: number, partner: number, description: string, line = i + 2): ReportRecord => {
    const values = {
      invoice_date: `${(i % 28) + 1}.02.2016`,
      invoice_number: `INV-${i}`,
      partner_id: i % 2 ? ` id ${10_000 + partner}` : `#${10_000 + partner}`,
      description,
      quantity: `${(i % 9) + 1} шт`,
    };
    return { line, fields: Object.values(values), values };
  };

  it('tallies and finds duplicates the same with 12,000 distinct partners and products', () => {
    // 12,000 distinct partner IDs and product descriptions: more than each memo holds.
    const lines = Array.from({ length: 12_000 }, (_, i) =>
      record(i, i, i % 2 ? `Dell Vostro 3568 notebook rev ${i}` : `Монитор Dell P2417H партия ${i}`),
    );
    const once = new ReportTallier(new RulesBook([rules]), reference, 'd1');
    for (const l of lines) expect(once.add(l)).toBeNull();

    const twice = new ReportTallier(new RulesBook([rules]), reference, 'd1');
    for (const l of lines) twice.add(l);
    // Every line again, after the memos were emptied: each is a duplicate of its first copy.
    const rejects = lines.map((l, i) => twice.add({ ...l, line: 20_000 + i }));
    expect(rejects.every((r) => r?.code === 'duplicate-line')).toBe(true);
    expect(rejects[11_999]?.message).toContain('(line 12001)');
    expect(twice.result().tallies).toEqual(once.result().tallies);
    expect(twice.counts).toMatchObject({ read: 24_000, tallied: 12_000, rejected: 12_000 });
  });
});

describe('detached', () => {
  it('copies a string exactly, lone surrogates and all', () => {
    const block = `${'x'.repeat(100)}Монитор "Dell" \uD800 P2417H${'y'.repeat(100)}`;
    const slice = block.slice(100, 130);
    expect(detached(slice)).toBe(slice);
    expect(detached('short')).toBe('short');
  });
});
