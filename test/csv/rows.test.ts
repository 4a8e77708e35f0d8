/**
 * RowSplitter fed block by block: the records and their errors are the same wherever the blocks are
 * cut, as when the whole text comes at once. The reader's own tests rarely see a second block (it
 * gathers 64 KiB before decoding); real files are cut inside quotes, CRLFs and records.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowSplitter, type Newline, type RowError } from '../../shared/csv/rows.js';

type Row = { fields: string[]; error?: RowError };

function split(pieces: string[], newline: Newline, maxRecordChars: number): Row[] {
  const rows: Row[] = [];
  const splitter = new RowSplitter(',', newline, maxRecordChars, (fields, error) =>
    rows.push(error ? { fields, error } : { fields }),
  );
  for (const piece of pieces) splitter.push(piece);
  splitter.end();
  // A text ending in line breaks may end with one empty record more or less, by how it was cut:
  // blank records after the last one, which the reader skips.
  const blank = (r: Row | undefined) => !!r && !r.error && r.fields.length === 1 && r.fields[0] === '';
  while (blank(rows.at(-1))) rows.pop();
  return rows;
}

/** The text cut at the given places (sorted, deduplicated), empty pieces included. */
function cut(text: string, at: number[]): string[] {
  const places = [...new Set(at.map((a) => a % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const p of places) {
    pieces.push(text.slice(from, p));
    from = p;
  }
  pieces.push(text.slice(from));
  return pieces;
}

// Few characters, so quotes, delimiters, line breaks and spaces meet each other often.
const text = fc.string({
  unit: fc.constantFrom('a', 'Ж', ' ', ',', '"', '""', '\n', '\r\n', '\r', 'xyz'),
  maxLength: 120,
});
const newline = fc.constantFrom<Newline>('\n', '\r\n', '\r');

describe('RowSplitter', () => {
  it('reads the same records wherever the blocks are cut', () => {
    fc.assert(
      fc.property(text, newline, fc.array(fc.nat(), { maxLength: 8 }), (t, nl, at) => {
        expect(split(cut(t, at), nl, 1_000)).toEqual(split([t], nl, 1_000));
      }),
      { numRuns: 3_000 },
    );
  });

  it('ends an over-long record where papaparse ends it, wherever the blocks are cut', () => {
    // Short bounds, so that the record skipper meets quotes, white space and line breaks.
    const codes = (rows: Row[]) => rows.map((r) => (r.error ? r.error.code : r.fields));
    const unit = fc.constantFrom('a', ' ', '\t', ',', '"', '""', '\n', '\r\n', '\r', '" ', '"\r', '"\n');
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 60 }),
        newline,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 2, max: 12 }),
        (t, nl, at, max) => {
          expect(codes(split(cut(t, at), nl, max))).toEqual(codes(split([t], nl, max)));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('reads a block given in pieces as the block whole, messages included', () => {
    const unit = fc.constantFrom('a', ' ', ',', '"', '""', '\n', '\r\n', '\r', '" ', 'xyz');
    const rowsOf = (blocks: string[][], nl: Newline, max: number) => {
      const rows: Row[] = [];
      const splitter = new RowSplitter(',', nl, max, (fields, error) =>
        rows.push(error ? { fields, error } : { fields }),
      );
      for (const block of blocks) splitter.pushAll(block);
      splitter.end();
      return rows;
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 4 })), {
          maxLength: 4,
        }),
        newline,
        fc.integer({ min: 2, max: 30 }),
        (blocks, nl, max) => {
          expect(
            rowsOf(
              blocks.map(([t, at]) => cut(t, at)),
              nl,
              max,
            ),
          ).toEqual(
            rowsOf(
              blocks.map(([t]) => [t]),
              nl,
              max,
            ),
          );
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('ends an over-long record at the same place whatever the cut, when a quote meets a lone LF in a CR LF file', () => {
    // A quote then an LF does not close a quoted field when the file's newline is CR LF.
    const t =
      `""\n${'y'.repeat(98)}\r\n`.repeat(1) +
      `${'y'.repeat(98)}\r\n`.repeat(14_520) +
      '",b,c,d,1\r\ngood,1\r\n';
    const whole = split([t], '\r\n', 1_000_000);
    expect(whole.map((r) => r.error?.code ?? r.fields)).toEqual(['record-too-long', ['good', '1']]);
    for (const size of [1_000, 64 * 1024, 100_000, 1 << 20]) {
      const pieces: string[] = [];
      for (let i = 0; i < t.length; i += size) pieces.push(t.slice(i, i + size));
      expect(split(pieces, '\r\n', 1_000_000).map((r) => r.error?.code ?? r.fields)).toEqual([
        'record-too-long',
        ['good', '1'],
      ]);
    }
  });

  it('does not count the CR of an unfinished CR LF in a record of exactly maxRecordChars', () => {
    const line = `a,${'x'.repeat(98)}`;
    expect(split([`${line}\r`, '\nb,c\r\n'], '\r\n', 100).map((r) => r.error?.code ?? r.fields)).toEqual([
      ['a', 'x'.repeat(98)],
      ['b', 'c'],
    ]);
  });

  it('reads regular records, cut inside a quoted field, a CRLF and a Cyrillic letter, as papaparse does whole', () => {
    const lines = ['h1,h2,h3', 'a,"b ""q"", c",d', '"x\r\ny",Жук,3', 'e,,f', '"",g,"h"'];
    const t = lines.join('\r\n') + '\r\n';
    const whole = split([t], '\r\n', 1_000);
    expect(whole.map((r) => r.fields)).toEqual([
      ['h1', 'h2', 'h3'],
      ['a', 'b "q", c', 'd'],
      ['x\r\ny', 'Жук', '3'],
      ['e', '', 'f'],
      ['', 'g', 'h'],
    ]);
    for (let i = 0; i <= t.length; i++)
      for (const j of [i + 1, i + 7, t.length])
        expect(split([t.slice(0, i), t.slice(i, j), t.slice(j)], '\r\n', 1_000)).toEqual(whole);
  });
});
