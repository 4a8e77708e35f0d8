import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ReportReadStoppedError } from '../../shared/errors.js';
import { readReport } from '../../shared/csv/index.js';
import { HashThreadError, offThreadSha256, type RawDigest } from '../../shared/csv/raw-digest.js';
import { chunked, readAll, writeCsv } from './helpers.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Feeds `bytes` in pieces of uneven sizes, as a network stream gives them. */
function feed(digest: RawDigest, bytes: Buffer, largest: number): void {
  let seed = 7;
  for (let at = 0; at < bytes.length; ) {
    seed = (seed * 48271) % 2147483647;
    const n = seed % (largest + 1);
    digest.update(bytes.subarray(at, at + n));
    at += n;
  }
}

/** A digest that counts what happens to it, around a real one. */
function watched(inner: () => RawDigest) {
  const seen = { made: 0, disposed: 0, digests: 0 };
  const make = (): RawDigest => {
    const d = inner();
    seen.made++;
    return {
      update: (b) => d.update(b),
      digest: () => (seen.digests++, d.digest()),
      dispose: () => (seen.disposed++, d.dispose()),
    };
  };
  return { make, seen };
}

const report = (lines: number) =>
  Buffer.from(
    writeCsv(
      [
        ['Invoice Date', 'Invoice No', 'Partner ID', 'SKU', 'Description', 'Qty'],
        ...Array.from({ length: lines }, (_, i) => ['2016-02-15', `INV-${i}`, `P${i % 97}`, '210-AFVN', 'Dell Vostro 3558', '1']),
      ],
      ',',
      '\n',
    ),
  );

describe('offThreadSha256', () => {
  it('gives the sha256 of every byte, in order, whatever the pieces and however small the ring', async () => {
    const bytes = randomBytes(3_000_000);
    // A ring far smaller than a piece wraps around many times a piece and makes the reader wait.
    for (const ring of [997, 64 * 1024, 8 * 1024 * 1024]) {
      const digest = offThreadSha256(ring);
      feed(digest, bytes, 200_000);
      expect(await digest.digest()).toBe(sha256(bytes));
    }
  });

  it('gives the sha256 of nothing for no bytes, and refuses bytes after its digest', async () => {
    const digest = offThreadSha256();
    expect(await digest.digest()).toBe(sha256(Buffer.alloc(0)));
    expect(() => digest.update(Buffer.from('late'))).toThrow(HashThreadError);
  });

  it('takes a piece the caller reuses at once: the bytes are copied before update returns', async () => {
    const digest = offThreadSha256(4096);
    const piece = Buffer.alloc(1000);
    const all: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      piece.fill(i);
      all.push(Buffer.from(piece));
      digest.update(piece);
    }
    expect(await digest.digest()).toBe(sha256(Buffer.concat(all)));
  });
});

describe('readReport with the sha256 off the reading thread', () => {
  it('summarises a report as the in-thread hash does, plain and gzipped', async () => {
    const plain = report(5000);
    for (const bytes of [plain, gzipSync(plain)]) {
      const inThread = await readAll(chunked(bytes, 4093));
      const off = watched(() => offThreadSha256(8192));
      const offThread = await readAll(chunked(bytes, 4093), { sha256: off.make });
      expect(offThread.summary).toEqual(inThread.summary);
      expect(offThread.summary.sha256).toBe(sha256(bytes));
      expect(offThread.records).toEqual(inThread.records);
      expect(off.seen).toEqual({ made: 1, disposed: 0, digests: 1 });
    }
  });

  it('drops the hashing thread when the caller stops reading early', async () => {
    const off = watched(() => offThreadSha256());
    const reading = readReport(chunked(report(20_000), 1024), { sha256: off.make });
    for await (const batch of reading.records) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    await expect(reading.done).rejects.toBeInstanceOf(ReportReadStoppedError);
    expect(off.seen).toMatchObject({ made: 1, disposed: 1, digests: 0 });
  });

  it('drops the hashing thread when the file fails at its header', async () => {
    const off = watched(() => offThreadSha256());
    const reading = readReport(chunked(Buffer.from('just,some,words\n1,2,3\n')), { sha256: off.make });
    await expect(reading.format).rejects.toThrow();
    expect(off.seen).toMatchObject({ made: 1, disposed: 1, digests: 0 });
  });
});
