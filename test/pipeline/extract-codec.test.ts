/**
 * The stored forms of an extract: the binary form ingest writes (`rebates-extract/2`) and the gzip
 * JSON form extracts were written in before (`rebates-extract/1`), still read. Each survives its
 * bytes, is deterministic and content-addressed, and is refused when its bytes are damaged.
 */
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReportRecord } from '../../shared/csv/read-report.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { ExtractEncodingError, ExtractIntegrityError } from '../../shared/errors.js';
import { EXTRACT_FORMAT, ReportExtractor, type ReportExtract } from '../../shared/pipeline/extract.js';
import { BINARY_FORMAT, decodeExtractBinary, isBinaryExtract } from '../../shared/pipeline/extract-binary.js';
import {
  decodeExtract,
  encodeExtract,
  extractFormatOfKey,
  extractKeyOf,
  sha256Of,
  storableExtract,
} from '../../shared/pipeline/extract-codec.js';
import { encodeExtractJson } from '../../shared/pipeline/extract-json.js';
import { sampleRules } from '../support/domain-fixtures.js';
import { good, record } from '../support/report-records.js';

const book = new RulesBook([sampleRules('2016-Q1'), sampleRules('2016-Q2')]);

/** Lines of every kind: rejected, grouped, tagged, in two quarters, with text beyond ASCII. */
const recordsArb: fc.Arbitrary<ReportRecord[]> = fc
  .array(
    fc.record(
      {
        invoice_date: fc.constantFrom('2016-02-15', '15.03.2016', '2016-05-10', '2015-12-31', 'soon'),
        invoice_number: fc.constantFrom('INV-1', 'INV-2', 'INV-3', ''),
        partner_id: fc.constantFrom('P1', ' id p1', '#P2', 'RU 100', 'Партнёр 7', ''),
        description: fc.constantFrom('Dell Latitude 5480 14" notebook', 'Монитор Dell P2417H', 'Odd \uD800 text', ''),
        sku: fc.constantFrom('5480-7539', 'X-1', ''),
        quantity: fc.constantFrom('1', '3', '-2', '100000', '-100000', '12,5', ''),
        service_tag: fc.constantFrom('ABC1234', 'abc-1234', 'ZZZ9999', 'ТЭГ1', '\uDC00X', ' ', ''),
        distributor: fc.constantFrom('d1', 'other'),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 80 },
  )
  .chain((ls) =>
    fc
      .array(fc.integer({ min: 1, max: 3000 }), { minLength: ls.length, maxLength: ls.length })
      .map((gaps) => {
        let line = 1;
        return ls.map((v, i) => record((line += gaps[i]!), v));
      }),
  );

function extractOf(records: readonly ReportRecord[], source: ReportExtract['source'] = null): ReportExtract {
  const x = new ReportExtractor(book, 'd1');
  for (const r of records) x.add(r);
  return x.result(source);
}

const sample = () =>
  extractOf([
    record(2, good({ service_tag: 'ABC1234' })),
    record(3, good({ invoice_number: 'INV-2' })),
    record(4, good({ quantity: 'x' })),
    record(5, good({ invoice_number: 'INV-3', partner_id: 'P2' })),
  ]);

/** The CRC written again after an edit, so only the content is wrong. */
function resealed(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out.writeUInt32LE(crc32(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}

/** The first byte at which two encodings differ: where a value of one sits in the other. */
function firstDifference(a: Buffer, b: Buffer): number {
  let i = 0;
  while (a[i] === b[i]) i++;
  return i;
}

describe('the binary extract (rebates-extract/2)', () => {
  it('round-trips, is deterministic and is addressed by the sha256 of its bytes', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const extract = extractOf(records, { sha256: 'c'.repeat(64), bytes: 9 });
        const bytes = encodeExtract(extract);
        expect(isBinaryExtract(bytes)).toBe(true);
        expect(bytes.subarray(0, BINARY_FORMAT.length).toString('latin1')).toBe(BINARY_FORMAT);
        expect(decodeExtract(bytes, sha256Of(bytes))).toEqual(extract);
        // A retry of the same version writes the very same object.
        expect(encodeExtract(extractOf(records, { sha256: 'c'.repeat(64), bytes: 9 })).equals(bytes)).toBe(true);
      }),
      { numRuns: 100 },
    );
    const stored = storableExtract('rpt_1', { ...sample(), source: { sha256: 'a'.repeat(64), bytes: 120 } });
    expect(stored.key).toBe(extractKeyOf('rpt_1', stored.sha256));
    expect(stored.key).toMatch(/^extracts\/rpt_1\/[0-9a-f]{64}\.bin$/);
    expect(stored.contentType).toBe('application/octet-stream');
    expect(extractFormatOfKey(stored.key)).toBe(BINARY_FORMAT);
    expect(decodeExtract(stored.bytes).source).toEqual({ sha256: 'a'.repeat(64), bytes: 120 });
  });

  it('holds text UTF-8 cannot (a lone surrogate) and large extracts', () => {
    const x = new ReportExtractor(book, 'd1');
    for (let i = 0; i < 30_000; i++)
      x.add(
        record(
          2 + i * 997,
          good({
            invoice_number: `INV-${i}`,
            partner_id: `P${i % 700}`,
            description: `Монитор "Dell" \uD800 ${i % 300}`,
            quantity: String((i % 7) - 3 || 1),
            ...(i % 3 ? {} : { service_tag: i % 2 ? `T${i}` : `\uDBFF${i}` }),
          }),
        ),
      );
    const extract = x.result();
    expect(decodeExtract(encodeExtract(extract))).toEqual(extract);
    // Line numbers past 2^32 and units of either sign beyond 32 bits go through as well.
    const wide: ReportExtract = {
      ...sample(),
      quarters: sample().quarters.map((q) => ({
        ...q,
        groups: q.groups.map((g, i) => ({ ...g, units: i ? -(2 ** 40) : 2 ** 45, lines: [2 ** 33, 2 ** 52] })),
        lines: q.lines + q.groups.length,
      })),
      counts: { ...sample().counts, read: sample().counts.read + sample().quarters[0]!.groups.length },
    };
    wide.counts.extracted += sample().quarters[0]!.groups.length;
    expect(decodeExtract(encodeExtract(wide))).toEqual(wide);
  });

  it('refuses to write what it could not read back', () => {
    const base = sample();
    const q = base.quarters[0]!;
    const edits: [string, (x: ReportExtract) => void][] = [
      ['lines not ascending', (x) => (x.quarters[0]!.groups[0]!.lines = [5, 5])],
      ['a line 0', (x) => (x.quarters[0]!.tagged.lines = [0])],
      ['units not whole', (x) => (x.quarters[0]!.groups[0]!.units = 1.5)],
      ['units beyond 2^51', (x) => (x.quarters[0]!.groups[0]!.units = 2 ** 53)],
      ['a negative index', (x) => (x.quarters[0]!.groups[0]!.partner = -1)],
      ['a short tagged column', (x) => x.quarters[0]!.tagged.quantities.pop()],
    ];
    expect(q.groups.length).toBeGreaterThan(0);
    for (const [what, edit] of edits) {
      const x = structuredClone(base);
      edit(x);
      expect(() => encodeExtract(x), what).toThrow(ExtractEncodingError);
    }
  });

  it('refuses an extract whose indexes, lines or counts disagree', () => {
    const cases: [string, (x: ReportExtract) => void, RegExp][] = [
      ['a group names a missing product', (x) => (x.quarters[0]!.groups[0]!.product = 9), /does not list/],
      ['a group names a missing partner', (x) => (x.quarters[0]!.groups[0]!.partner = 2), /does not list/],
      ['a tagged line names a missing partner', (x) => (x.quarters[0]!.tagged.partners[0] = 5), /does not list/],
      ['quarter lines', (x) => (x.quarters[0]!.lines += 1), /says 4 lines but holds 3/],
      ['read ≠ extracted + rejected', (x) => (x.counts.read += 1), /lines read/],
      ['by reason', (x) => (x.counts.byReason['bad-quantity'] = 2), /add up to 2/],
      ['extracted', (x) => ((x.counts.extracted += 1), (x.counts.read += 1)), /says 4 lines extracted but holds 3/],
      ['an empty service tag', (x) => (x.quarters[0]!.tagged.tags[0] = ''), /service tag of 2016-Q1 is empty/],
      ['an empty distributor', (x) => (x.distributorId = ''), /distributorId/],
    ];
    for (const [what, edit, message] of cases) {
      const x = structuredClone(sample());
      edit(x);
      const bytes = encodeExtract(x);
      expect(() => decodeExtract(bytes), what).toThrow(ExtractIntegrityError);
      expect(() => decodeExtract(bytes), what).toThrow(message);
    }

    // A gap of 0 and a group without lines, which the encoder never writes: found by where the
    // encodings of two good extracts differ, then set to 0.
    const at = (edit: (x: ReportExtract) => void) => {
      const x = structuredClone(sample());
      edit(x);
      return firstDifference(encodeExtract(sample()), encodeExtract(x));
    };
    const zeroAt = (i: number) => {
      const bytes = Buffer.from(encodeExtract(sample()));
      bytes[i] = 0;
      return resealed(bytes);
    };
    const gap = at((x) => (x.quarters[0]!.tagged.lines[0] = 1));
    expect(() => decodeExtract(zeroAt(gap))).toThrow(/tagged lines of 2016-Q1 do not ascend/);
    const groupGap = at((x) => (x.quarters[0]!.groups[0]!.lines[0] = 2));
    expect(() => decodeExtract(zeroAt(groupGap))).toThrow(/lines of a group of 2016-Q1 do not ascend/);
  });

  it('refuses what its encoder never writes: a long-winded number, bad UTF-8, odd UTF-16', () => {
    // An extract of one product and nothing else, its products' text block given as bytes.
    const header = Buffer.from(
      JSON.stringify({
        distributorId: 'd1',
        source: null,
        counts: { read: 0, extracted: 0, rejected: 0, byReason: {} },
        products: 1,
        partners: 0,
        quarters: [],
      }),
    );
    expect(header.length).toBeGreaterThan(0x7f);
    expect(header.length).toBeLessThan(0x4000);
    const crafted = (productText: number[]) =>
      resealed(
        Buffer.concat([
          Buffer.from(`${BINARY_FORMAT}\n`, 'latin1'),
          Buffer.from([0, (header.length & 0x7f) | 0x80, header.length >> 7]), // no compression, the header's length
          header,
          Buffer.from(productText),
          Buffer.from([0, 0]), // no partners
          Buffer.alloc(4),
        ]),
      );
    // UTF-8, lengths 1 and 0, 1 byte: sku 'A', no description.
    expect(decodeExtract(crafted([0, 1, 0, 1, 0x41])).products).toEqual([{ sku: 'A', description: '' }]);
    const refused: [string, number[], RegExp][] = [
      ['a length as two bytes, the last 0', [0, 0x81, 0x00, 0, 1, 0x41], /not written in its shortest form/],
      ['a byte count as two bytes', [0, 1, 0, 0x81, 0x00, 0x41], /not written in its shortest form/],
      ['a byte UTF-8 never holds', [0, 1, 0, 1, 0xff], /not valid UTF-8/],
      ['a UTF-8 sequence cut short', [0, 1, 0, 2, 0x41, 0xd0], /not valid UTF-8/],
      ['UTF-16 of 3 bytes', [1, 1, 0, 3, 0x41, 0x00, 0x42], /UTF-16 of an odd number of bytes/],
    ];
    for (const [what, text, message] of refused) {
      expect(() => decodeExtract(crafted(text)), what).toThrow(ExtractIntegrityError);
      expect(() => decodeExtract(crafted(text)), what).toThrow(message);
    }
  });

  it('refuses truncated bytes, flipped bits and bytes that do not match their address', () => {
    const bytes = encodeExtract(sample());
    for (let n = 0; n < bytes.length; n++)
      expect(() => decodeExtract(bytes.subarray(0, n)), `first ${n} bytes`).toThrow(ExtractIntegrityError);
    expect(() => decodeExtract(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(ExtractIntegrityError);
    fc.assert(
      fc.property(fc.nat({ max: 8 * bytes.length - 1 }), (bit) => {
        const flipped = Buffer.from(bytes);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => decodeExtract(flipped)).toThrow(ExtractIntegrityError);
        expect(() => decodeExtract(flipped, sha256Of(bytes))).toThrow(/does not match its address/);
      }),
      { numRuns: 300 },
    );
  });

  it('with its checksum made to match, damaged content is refused or read, never anything else', () => {
    // The checksum stands in for the content address when there is none; past it, every check of
    // the content must hold on its own: no other error, no read past the end, no huge allocation.
    const bytes = encodeExtract(sample());
    const body = BINARY_FORMAT.length + 1;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: body, max: bytes.length - 5 }), fc.nat({ max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const damaged = Buffer.from(bytes);
          for (const [i, b] of edits) damaged[i] = b;
          try {
            decodeExtractBinary(resealed(damaged));
          } catch (err) {
            expect(err).toBeInstanceOf(ExtractIntegrityError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the gzip JSON extract (rebates-extract/1), as stored before', () => {
  /** The wire form as the first encoder built it: extracts stored then keep their address. */
  const wire = (x: ReportExtract) => ({
    format: EXTRACT_FORMAT,
    distributorId: x.distributorId,
    source: x.source,
    counts: {
      ...x.counts,
      byReason: Object.fromEntries(Object.entries(x.counts.byReason).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    products: x.products.map((p) => [p.sku, p.description]),
    partners: x.partners.map((p) => [p.key, p.written]),
    quarters: x.quarters.map((q) => ({
      quarter: q.quarter,
      rulesVersion: q.rulesVersion,
      lines: q.lines,
      groups: q.groups.map((g) => [g.partner, g.product, g.units, g.lines.map((l, i) => l - (g.lines[i - 1] ?? 0))]),
      tagged: { ...q.tagged, lines: q.tagged.lines.map((l, i) => l - (q.tagged.lines[i - 1] ?? 0)) },
    })),
  });

  it('is read by the form found in its bytes, and written again byte for byte for verify', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const extract = extractOf(records);
        const bytes = encodeExtract(extract, EXTRACT_FORMAT);
        expect(bytes.equals(gzipSync(JSON.stringify(wire(extract)), { level: 1 }))).toBe(true);
        expect(decodeExtract(bytes, sha256Of(bytes))).toEqual(extract);
        // Either form reads back as the same extract.
        expect(decodeExtract(encodeExtract(extract))).toEqual(decodeExtract(bytes));
      }),
      { numRuns: 50 },
    );
    const stored = storableExtract('rpt_1', sample(), EXTRACT_FORMAT);
    expect(stored.key).toMatch(/^extracts\/rpt_1\/[0-9a-f]{64}\.json\.gz$/);
    expect(stored.contentType).toBe('application/gzip');
    expect(extractFormatOfKey(stored.key)).toBe(EXTRACT_FORMAT);
  });

  it('writes text JSON escapes as JSON.stringify does, across many pieces', () => {
    const big = new ReportExtractor(book, 'd1');
    for (let i = 0; i < 20_000; i++)
      big.add(
        record(
          i + 2,
          good({
            invoice_number: `INV-${i}`,
            partner_id: `P${i % 700}`,
            description: `Монитор "Dell" \uD800 ${i % 300}`,
            ...(i % 3 ? {} : { service_tag: `T${i}` }),
          }),
        ),
      );
    // Service tags are written byte by byte when plain ASCII: these must come out as JSON.stringify writes them.
    const odd = ['Т1234', 'A"B', 'A\\B', 'A\u0001B', 'A\u007fB', 'ÉCLAIR', '\uD800', 'X'.repeat(65), 'Y'.repeat(64)];
    odd.forEach((tag, k) => big.add(record(20_002 + k, good({ invoice_number: `ODD-${k}`, service_tag: tag }))));
    const extract = big.result({ sha256: 'b'.repeat(64), bytes: 1 });
    expect(extract.quarters.flatMap((q) => q.tagged.tags)).toEqual(expect.arrayContaining(odd));
    const bytes = encodeExtractJson(extract);
    expect(bytes.equals(gzipSync(JSON.stringify(wire(extract)), { level: 1 }))).toBe(true);
    expect(gunzipSync(bytes).length).toBeGreaterThan(3 * 64 * 1024);
    expect(decodeExtract(bytes)).toEqual(extract);
  });

  type Wire = ReturnType<typeof JSON.parse>;
  /** The sample's wire form, edited and gzipped again (so only the content is wrong). */
  const rewrap = (edit: (w: Wire) => void) => {
    const w = JSON.parse(gunzipSync(encodeExtractJson(sample())).toString('utf8')) as Wire;
    edit(w);
    return gzipSync(JSON.stringify(w));
  };

  it('refuses bytes that do not match their address, are not gzip JSON or break the schema', () => {
    const bytes = encodeExtractJson(sample());
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5]! ^= 0xff;
    expect(() => decodeExtract(flipped, sha256Of(bytes))).toThrow(ExtractIntegrityError);
    expect(() => decodeExtract(flipped, sha256Of(bytes))).toThrow(/does not match its address/);
    expect(() => decodeExtract(flipped)).toThrow(/not gzip-compressed JSON/);
    expect(() => decodeExtract(Buffer.from('{"format":1}'))).toThrow(/not gzip-compressed JSON/);
    expect(() => decodeExtract(rewrap((w) => (w.format = 'rebates-extract/0')))).toThrow(ExtractIntegrityError);
    // Binary content under the JSON form's name is still binary: the bytes decide, and gzip JSON
    // that claims the binary form's name is refused by the schema.
    expect(() => decodeExtract(rewrap((w) => (w.format = BINARY_FORMAT)))).toThrow(ExtractIntegrityError);
  });

  it('refuses an extract whose indexes or counts disagree', () => {
    const cases: [string, (w: Wire) => void, RegExp][] = [
      ['a group names a missing product', (w) => (w.quarters[0].groups[0][1] = 9), /does not list/],
      ['a tagged column is short', (w) => w.quarters[0].tagged.quantities.pop(), /different lengths/],
      ['quarter lines', (w) => (w.quarters[0].lines += 1), /says 4 lines but holds 3/],
      ['read ≠ extracted + rejected', (w) => (w.counts.read += 1), /lines read/],
      ['by reason', (w) => (w.counts.byReason['bad-quantity'] = 2), /add up to 2/],
      ['lines not ascending', (w) => (w.quarters[0].tagged.lines[0] = 0), /cannot be used/],
      ['units not whole', (w) => (w.quarters[0].groups[0][2] = 1.5), /groups/],
      ['a group line gap of 0', (w) => (w.quarters[0].groups[0][3] = [0]), /groups/],
      ['an empty service tag', (w) => (w.quarters[0].tagged.tags[0] = ''), /service tags/],
      ['a negative product index', (w) => (w.quarters[0].tagged.products[0] = -1), /indexes/],
      ['a quantity as text', (w) => (w.quarters[0].tagged.quantities[0] = '3'), /unit counts/],
    ];
    for (const [what, edit, message] of cases) {
      const bytes = rewrap(edit);
      expect(() => decodeExtract(bytes), what).toThrow(ExtractIntegrityError);
      expect(() => decodeExtract(bytes), what).toThrow(message);
    }
  });
});
