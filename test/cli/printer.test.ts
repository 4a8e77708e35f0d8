import { describe, expect, it } from 'vitest';
import { PRINT_PIECE, printer } from '../../local/printer.js';

describe('printer', () => {
  it('writes every line in UTF-8 in pieces of about a megabyte, a line longer than the room included', () => {
    const pieces: Buffer[] = [];
    const print = printer((piece) => pieces.push(Buffer.from(piece)));
    const lines = [
      '',
      ...Array.from({ length: 9000 }, (_, i) => `RU${200000 + i} kvant client/premium: 1 155.00 RUB — Ромашка 🌼 ${i}`),
      // One line of three megabytes in UTF-8: a whole table is printed as one line.
      'Т'.repeat(1_500_000),
      ...Array.from({ length: 20000 }, (_, i) => `line ${i} × ${'é'.repeat(i % 50)}`),
    ];
    for (const l of lines) print.line(l);
    print.line();
    print.flush();
    print.flush();
    expect(Buffer.concat(pieces).toString('utf8')).toBe(lines.map((l) => `${l}\n`).join('') + '\n');
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    for (const p of pieces.slice(0, -1)) expect(p.length).toBeGreaterThanOrEqual(PRINT_PIECE);
    expect(pieces.every((p) => p.length > 0)).toBe(true);
  });

  it('writes nothing when nothing was printed', () => {
    const pieces: Buffer[] = [];
    printer((piece) => pieces.push(piece)).flush();
    expect(pieces).toEqual([]);
  });
});
