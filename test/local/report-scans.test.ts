/**
 * ReportScans, `rebates run`'s scan thread: the held lines' fields from the reports' files, the
 * same as recordsAt reads them from the object; undefined (read the object instead) for any key it
 * was not given, for a given object version, and when the file cannot be read.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportScans } from '../../local/report-scans.js';
import { recordsAt } from '../../shared/csv/record-scan.js';
import type { ReportRecord } from '../../shared/ports/index.js';

const record = (key: string, objectVersionId: string | null = null) => ({ key, objectVersionId }) as ReportRecord;

describe('ReportScans', () => {
  let dir: string;
  const scans = new ReportScans();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-scans-'));
  });
  afterAll(async () => {
    await scans.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers as recordsAt does, for plain and gzip files, prepared or not', async () => {
    const text =
      '\uFEFFinvoice_date;partner_id;description;quantity\r\n2016-02-01;P1;"Монитор ""24""\r\nновый";1\r\n\r\n' +
      '2016-02-02;P2;Ноутбук;2\r\n2016-02-03;P3;"open "quote";3\r\n2016-02-04;P4;last;4';
    const plain = join(dir, 'plain.csv');
    const packed = join(dir, 'packed.csv.gz');
    await writeFile(plain, text);
    await writeFile(packed, gzipSync(Buffer.from(text)));
    scans.add('incoming/d/plain.csv', plain);
    scans.add('incoming/d/packed.csv.gz', packed);
    scans.prepare(['incoming/d/plain.csv']);
    const lines = new Set([1, 2, 3, 4, 5, 6, 7, 99]);
    const expected = await recordsAt(createReadStream(plain), lines);
    expect(expected.fields.size).toBeGreaterThan(3);
    for (const key of ['incoming/d/plain.csv', 'incoming/d/packed.csv.gz'])
      expect(await scans.fieldsOf(record(key), lines)).toEqual(expected);
  });

  it('leaves other keys, object versions and unreadable files to S3', async () => {
    const gone = join(dir, 'gone.csv');
    scans.add('incoming/d/gone.csv', gone);
    expect(await scans.fieldsOf(record('incoming/d/other.csv'), new Set([2]))).toBeUndefined();
    expect(await scans.fieldsOf(record('incoming/d/plain.csv', 'v-1'), new Set([2]))).toBeUndefined();
    expect(await scans.fieldsOf(record('incoming/d/gone.csv'), new Set([2]))).toBeUndefined();
    // The thread goes on answering after a failed read.
    expect((await scans.fieldsOf(record('incoming/d/plain.csv'), new Set([2])))?.fields.size).toBe(1);
  });
});
