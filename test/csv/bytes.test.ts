/**
 * TextSniffer on its own: whatever blocks the bytes come in, and however a block is cut into pieces
 * (whole lines of at most PIECE_BYTES, a longer line whole), the text is each line decoded in the
 * settled encoding, or marked where it is not text in it, exactly as the WHATWG decoder would mark it.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIECE_BYTES, TextSniffer, UNDECODABLE } from '../../shared/csv/bytes.js';
import { encode, encodeCp1251, type TestEncoding } from './helpers.js';

const BIG = 3_000_003;

/** Feeds the sniffer the bytes in blocks of the given sizes (cycled); the pieces and their text. */
function sniff(bytes: Buffer, sizes: readonly number[]) {
  const sniffer = new TextSniffer(BIG);
  const pieces: string[][] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    // The reader's blocks are of 64 KiB but the last, so a BOM is never cut: nor is it here.
    const size = Math.max(k === 0 ? 3 : 1, sizes[k % sizes.length]!);
    pieces.push(sniffer.decode(bytes.subarray(at, at + size)));
    at += size;
  }
  pieces.push(sniffer.end());
  return { sniffer, pieces, text: pieces.flat().join('') };
}

/** Lines as the sniffer cuts them: CR and LF each end one, the break kept. */
function physicalLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a || bytes[i] === 0x0d) {
      lines.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

/** The text the sniffer must give for one line, by the WHATWG decoders. */
function expectedLine(line: Buffer, settled: 'utf-8' | 'windows-1251'): string {
  if (isAscii(line)) return line.toString('latin1');
  if (settled === 'utf-8') return new TextDecoder('utf-8').decode(line).replaceAll('\uFFFD', UNDECODABLE);
  if (!isUtf8(line)) return new TextDecoder('windows-1251').decode(line);
  const high = line.findIndex((b) => b >= 0x80);
  return line.toString('utf8', 0, high) + UNDECODABLE + line.toString('utf8', high);
}

const WORDS = ['ООО «Ромашка»', 'Ноутбук Dell', 'ёлка №5', 'Vostro 3558', ';', ',', '"', ' ', '42'];
/** Lines long enough that a block holds several pieces, and some longer than a piece. */
const LONG = ['x'.repeat(9_000), 'Ж'.repeat(7_000), 'щ ы'.repeat(5_000), 'y'.repeat(PIECE_BYTES + 100)];
/**
 * Windows-1251 lines whose first letters are a whole UTF-8 character ("Её" is C5 B8), the rest not:
 * and the reverse, a line that is all valid UTF-8 once its first letter is.
 */
const TRICKY_CP1251 = ['Её жжж', 'Рё', 'abc Её', 'Рёё'];

const lineArb = fc.record({
  words: fc.array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...WORDS), weight: 12 },
      { arbitrary: fc.constantFrom(...LONG), weight: 1 },
    ),
    { maxLength: 8 },
  ),
  /** A line in the other encoding (UTF-8 in a Windows-1251 file, Windows-1251 in a UTF-8 one). */
  odd: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
  tricky: fc.constantFrom(undefined, undefined, undefined, ...TRICKY_CP1251),
  newline: fc.constantFrom('\n', '\r\n', '\r'),
  emoji: fc.boolean(),
});

function fileOf(
  encoding: TestEncoding,
  lines: { words: string[]; odd: boolean; tricky: string | undefined; newline: string; emoji: boolean }[],
  lastBreak: boolean,
): Buffer {
  const cp1251 = encoding === 'windows-1251';
  const parts: Buffer[] = [];
  lines.forEach((l, i) => {
    let text = l.words.join('');
    // Every fourth line is plainly in the file's encoding, so every block votes for it.
    if (i % 4 === 0) text = `ООО Ромашка ${text}`;
    if (!cp1251 && l.emoji) text += ' 😀';
    const odd = l.odd && i % 4 === 3 && i >= 8;
    const newline = i === lines.length - 1 && !lastBreak ? '' : l.newline;
    // Only on the plain lines, so that a tricky line never makes a block vote for UTF-8.
    if (cp1251 && l.tricky && i % 4 === 0) parts.push(encodeCp1251(l.tricky + text + newline));
    else if (odd)
      parts.push(
        cp1251 ? Buffer.from(text + newline, 'utf8') : encodeCp1251(text.replace(' 😀', '') + newline),
      );
    else parts.push(encode(text + newline, encoding === 'utf-8-bom' ? 'utf-8' : encoding));
  });
  if (encoding === 'utf-8-bom') parts.unshift(Buffer.from([0xef, 0xbb, 0xbf]));
  return Buffer.concat(parts);
}

describe('TextSniffer: decoding in pieces', () => {
  it('gives every line as the WHATWG decoder does, whatever the blocks and pieces', () => {
    const input = fc.record({
      encoding: fc.constantFrom<TestEncoding>('utf-8', 'utf-8-bom', 'windows-1251'),
      lines: fc.array(lineArb, { minLength: 1, maxLength: 60 }),
      lastBreak: fc.boolean(),
      sizes: fc.oneof(
        fc.constant([64 * 1024]),
        fc.constant([1 << 30]),
        fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 4 }),
      ),
    });
    fc.assert(
      fc.property(input, ({ encoding, lines, lastBreak, sizes }) => {
        const bytes = fileOf(encoding, lines, lastBreak);
        const { sniffer, pieces, text } = sniff(bytes, sizes);
        const settled = encoding === 'windows-1251' ? 'windows-1251' : 'utf-8';
        expect(sniffer.encoding).toBe(encoding);
        const body = encoding === 'utf-8-bom' ? bytes.subarray(3) : bytes;
        const expected = physicalLines(body)
          .map((line) => expectedLine(line, settled))
          .join('');
        expect(text === expected).toBe(true);
        // Not one piece empty; each ends a line but the file's last; none over PIECE_BYTES bytes but
        // one line (with the LF of its CR LF), and a CR LF never cut between pieces of a block.
        const flat = pieces.flat();
        const blockEnds = new Set<number>();
        pieces.reduce((n, block) => (blockEnds.add(n + block.length - 1), n + block.length), 0);
        const lineBytes = physicalLines(body);
        let next = 0;
        flat.forEach((piece, i) => {
          expect(piece.length).toBeGreaterThan(0);
          if (i < flat.length - 1) expect(piece).toMatch(/[\r\n]$/);
          const lines: Buffer[] = [];
          for (let text = ''; text.length < piece.length; next++) {
            lines.push(lineBytes[next]!);
            text += expectedLine(lineBytes[next]!, settled);
          }
          const size = lines.reduce((n, l) => n + l.length, 0);
          const crlf = lines.length === 2 && lines[0]!.at(-1) === 0x0d && lines[1]!.equals(Buffer.from('\n'));
          if (size > PIECE_BYTES) expect(lines.length === 1 || crlf).toBe(true);
          // Within a block; a block itself may end between the two.
          if (!blockEnds.has(i) && lines.at(-1)!.at(-1) === 0x0d) expect(lineBytes[next]?.[0]).not.toBe(0x0a);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('cuts a large block after the LF of a CR LF that straddles the piece limit', () => {
    const line = `${'Ж'.repeat(PIECE_BYTES / 2 - 1)}a\r\n`; // its CR is the piece's last byte
    const bytes = Buffer.from(line.repeat(4), 'utf8');
    const { pieces } = sniff(bytes, [bytes.length]);
    expect(pieces[0]).toEqual([line, line, line, line]);
  });

  it('keeps the LF of a CR LF with a line longer than a piece', () => {
    const long = `${'Ж'.repeat(PIECE_BYTES)}\r\n`;
    const bytes = Buffer.from(`${long}Ромашка\r\n`, 'utf8');
    const { pieces } = sniff(bytes, [bytes.length]);
    expect(pieces[0]).toEqual([long, 'Ромашка\r\n']);
  });

  it('keeps a line longer than a piece whole, and marks a bad line in a later piece', () => {
    const long = `${'x'.repeat(PIECE_BYTES * 2)}\n`;
    const bytes = Buffer.concat([
      encodeCp1251(`Ромашка\n${long}`),
      Buffer.from('Монитор\n', 'utf8'),
      encodeCp1251('Планшет\n'),
    ]);
    const { sniffer, pieces } = sniff(bytes, [bytes.length]);
    expect(pieces[0]).toEqual(['Ромашка\n', long, `${UNDECODABLE}Монитор\nПланшет\n`]);
    expect(sniffer.suspect).toBe(true);
  });
});
