import { Readable } from 'node:stream';
import { readReport, type ReadReportOptions, type ReportRecord } from '../../shared/csv/index.js';

const CP1251_EXTRA: Record<string, number> = {
  Ё: 0xa8,
  ё: 0xb8,
  '№': 0xb9,
  '\u00a0': 0xa0,
  '«': 0xab,
  '»': 0xbb,
  '—': 0x97,
};

/** Windows-1251 for the characters reports use: ASCII, Russian letters and a few signs. */
export function encodeCp1251(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    const byte =
      code < 0x80 ? code : code >= 0x410 && code <= 0x44f ? code - 0x410 + 0xc0 : (CP1251_EXTRA[ch] ?? -1);
    if (byte < 0) throw new Error(`no Windows-1251 byte for ${JSON.stringify(ch)}`);
    out[i] = byte;
  }
  return out;
}

export type TestEncoding = 'utf-8' | 'utf-8-bom' | 'windows-1251';

export function encode(text: string, encoding: TestEncoding): Buffer {
  if (encoding === 'windows-1251') return encodeCp1251(text);
  const body = Buffer.from(text, 'utf8');
  return encoding === 'utf-8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}

/** A Readable that hands out `bytes` in pieces of the given sizes (cycled), like a network body. */
export function chunked(bytes: Buffer, sizes: number | readonly number[] = 64 * 1024): Readable {
  const list = typeof sizes === 'number' ? [sizes] : sizes;
  const pieces: Buffer[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = Math.max(1, list[k % list.length]!);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(pieces);
}

export async function readAll(input: Readable, options?: ReadReportOptions) {
  const reading = readReport(input, options);
  const format = await reading.format;
  const records: ReportRecord[] = [];
  let batches = 0;
  for await (const batch of reading.records) {
    batches++;
    records.push(...batch);
  }
  return { format, records, batches, summary: await reading.done };
}

/** The error a whole-file problem throws, wherever it surfaces first. */
export async function readError(input: Readable, options?: ReadReportOptions): Promise<unknown> {
  try {
    await readAll(input, options);
  } catch (err) {
    return err;
  }
  throw new Error('the report was read without an error');
}

/** RFC 4180 writing: quote a field when it holds a quote, the delimiter or a line break (or always). */
export function writeCsv(
  rows: readonly string[][],
  delimiter: string,
  newline: string,
  quoteAll = false,
): string {
  return rows
    .map((row) =>
      row
        .map((f) =>
          quoteAll || /["\r\n]/.test(f) || f.includes(delimiter) ? `"${f.replace(/"/g, '""')}"` : f,
        )
        .join(delimiter),
    )
    .join(newline);
}
