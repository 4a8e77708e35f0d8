/**
 * The floor both benches measure ingest against: one report read, gunzipped where it is, decoded
 * with its encoding known in advance and split by papaparse into rows, with no code of ours.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';

export interface BareParseOptions {
  compressed: boolean;
  encoding: 'utf-8' | 'windows-1251';
  /** Papaparse guesses it when not given. */
  delimiter?: string;
  /**
   * Hand papaparse the text in slices of at most this many characters. A 64 KiB block of Windows-1251
   * decodes to a string over V8's large-object size (128 KiB of two-byte characters), which costs the
   * scan; the report reader cuts its text into pieces of 32 KiB for that reason.
   */
  pieceChars?: number;
}

/** Parses the file at `path` and returns how many rows papaparse saw (a header counts). */
export async function bareParse(
  path: string,
  { compressed, encoding, delimiter, pieceChars }: BareParseOptions,
): Promise<number> {
  let rows = 0;
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const bytes: AsyncIterable<Buffer> = compressed ? raw.pipe(createGunzip()) : raw;
  const decoder = new TextDecoder(encoding);
  async function* text() {
    for await (const b of bytes) {
      const s = decoder.decode(b, { stream: true });
      if (!pieceChars) {
        if (s) yield s;
        continue;
      }
      for (let at = 0; at < s.length; at += pieceChars) yield s.slice(at, at + pieceChars);
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  }
  await new Promise<void>((resolve, reject) =>
    Papa.parse<string[]>(Readable.from(text()), {
      header: false,
      ...(delimiter === undefined ? {} : { delimiter }),
      chunk: (res) => void (rows += res.data.length),
      complete: () => resolve(),
      error: reject,
    }),
  );
  return rows;
}
