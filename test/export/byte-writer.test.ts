import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../shared/export/byte-writer.js';

describe('ByteWriter', () => {
  it('grows for text that takes more bytes than characters (Cyrillic, four-byte emoji), losing none', () => {
    const out = new ByteWriter(16);
    const parts = ['abcd', 'Ромашка', '🌼🌼', '', 'x'.repeat(100), 'ООО «Сигма»\n'];
    for (const p of parts) out.text(p);
    expect(out.bytes().toString('utf8')).toBe(parts.join(''));
    expect(out.length).toBe(Buffer.byteLength(parts.join('')));
  });

  it('writes bytes already written once more, across a growth of the buffer', () => {
    const out = new ByteWriter(8);
    out.text('Ряд,');
    const end = out.length;
    for (let i = 0; i < 5; i++) {
      out.again(0, end);
      out.text(`${i}\n`);
    }
    expect(out.bytes().toString('utf8')).toBe('Ряд,' + [0, 1, 2, 3, 4].map((i) => `Ряд,${i}\n`).join(''));
  });

  it('starts empty, even with no room at all', () => {
    const out = new ByteWriter(0);
    expect(out.bytes().length).toBe(0);
    out.text('é');
    expect(out.bytes().toString('utf8')).toBe('é');
  });
});
