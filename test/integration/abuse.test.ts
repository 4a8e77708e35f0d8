/**
 * Abuse and faults on the real emulators: broken CSV, huge lines, zero bytes, decompression bombs,
 * mixed encodings, odd quantities and keys, a presigned URL aimed elsewhere, throttles and read
 * errors mid-file, concurrent computations. Each case ends in a clear status with nothing lost:
 * every line read is extracted or in the rejects file, nothing is left in a dead-letter queue, and the
 * object is read a bounded number of times. Amounts come from the 2016-Q1 rules file in force.
 */
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Decimal } from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { PAYOUT_SHARDS } from '../../shared/adapters/dynamo/payouts.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { computeQuarterNow } from '../../shared/pipeline/compute.js';
import { presignedUrlIsValid } from '../api/sigv4.js';
import { encodeCp1251, writeCsv } from '../csv/helpers.js';
import {
  cuttingBody,
  FaultInjector,
  throughputExceeded,
  throwing,
  type FaultAction,
} from '../support/faults.js';
import {
  referenceChange,
  renderReport,
  reportRows,
  useLocalRuntime,
  type RejectLine,
  type SaleLine,
} from '../support/runtime.js';

const Q1 = '2016-Q1';
// Small enough that a gzip bomb trips it, large enough for the 5 MB line (the bound covers plain files too).
const MAX_INFLATED = 8 * 2 ** 20;
const MAX_LINES = 20_000;
const faults = new FaultInjector();
const errors: { what: string; message: string }[] = [];
const env = useLocalRuntime({
  wrapClients: faults.wrap,
  maxInflatedBytes: MAX_INFLATED,
  maxLines: MAX_LINES,
  onError: (what, err) => errors.push({ what, message: (err as Error).message }),
});

// Each test sees only the errors (failed deliveries) of its own uploads.
afterEach(() => {
  faults.disarmAll();
  errors.length = 0;
});

const LATITUDE = 'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD'; // client/premium
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const LATITUDE_RU = 'Ноутбук Латитьюд 5480'; // client/premium, named only in Cyrillic

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const q1Rules = () => env.rt.rules.find((r) => r.quarter === Q1)!;

/** The client payout of these units per rate row, at the highest plan the partner's units reach. */
function clientPayout(units: Record<string, number>): string {
  const rules = q1Rules();
  const total = Object.values(units).reduce((a, b) => a + b, 0);
  const plan = Math.max(...rules.programs.get('client')!.plans.filter((p) => p <= total));
  return Object.entries(units)
    .reduce((sum, [row, n]) => sum.plus(rules.rate('client', row, plan).times(n)), new Decimal(0))
    .toFixed(2);
}

const reads = (key: string) => faults.count('s3', 'GetObjectCommand', (input) => input.Key === key);
const totalOf = async (partnerId: string) => (await env.payouts(Q1, partnerId))?.total.toFixed(2);
const unitsOf = async (partnerId: string) =>
  ((await env.payouts(Q1, partnerId))?.lines ?? []).reduce((sum, l) => sum + l.units, 0);

/** One partner's lines, numbered invoices of equal length so none is a substring of another. */
function linesOf(
  partnerId: string,
  prefix: string,
  items: [description: string, qty: number | string][],
): SaleLine[] {
  return items.map(([description, qty], i) => ({
    date: '2016-02-20',
    invoice: `${prefix}-${String(i + 1).padStart(4, '0')}`,
    partnerId,
    description,
    qty,
  }));
}

/** A comma-separated report of these lines, with raw text (broken lines) in between where given. */
function csvWith(lines: (SaleLine | string)[]): string {
  const sales = lines.filter((l): l is SaleLine => typeof l !== 'string');
  const [header, ...rows] = reportRows(sales);
  let next = 0;
  const text = lines.map((l) => (typeof l === 'string' ? l : writeCsv([rows[next++]!], ',', '\n')));
  return [writeCsv([header!], ',', '\n'), ...text].join('\n') + '\n';
}

/**
 * A processed report that lost nothing: every line read is tallied or rejected, the rejects file
 * holds exactly the rejected lines in order with the reasons counted, and no delivery ended as a
 * dead letter.
 */
async function expectProcessed(key: string) {
  const report = await env.report(key);
  expect(report.status, key).toBe('processed');
  expect(report.activeVersion).toBe(report.version);
  const c = report.counts!;
  expect(c.read).toBe(c.extracted + c.rejected);
  const rejects = await env.rejects(key);
  expect(rejects).toHaveLength(c.rejected);
  const byReason: Record<string, number> = {};
  for (const r of rejects) byReason[r.code] = (byReason[r.code] ?? 0) + 1;
  expect(byReason).toEqual(c.byReason);
  const numbers = rejects.map((r) => r.line);
  expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
  expect(env.rt.deadLetters()).toEqual([]);
  return { report, rejects };
}

/** A whole file refused once: failed with a plain message, no tallies, read once, no retries. */
async function expectFailedOnce(key: string, code: string) {
  const report = await env.report(key);
  expect(report.status, key).toBe('failed');
  expect(report.error?.code, key).toBe(code);
  expect(report.error?.message, key).not.toMatch(/Error\b|\n\s+at /);
  expect(report.activeVersion).toBeNull();
  expect(await env.extractKeys(key)).toEqual([]);
  expect(await env.rejects(key)).toEqual([{ line: 0, code, message: report.error!.message, fields: [] }]);
  expect(reads(key), key).toBe(1);
  expect(env.rt.deadLetters()).toEqual([]);
  return report;
}

/** The units of the lines whose invoice the rejects file does not mention: what must have been tallied. */
function unitsNotRejected(lines: readonly SaleLine[], rejects: readonly RejectLine[]): number {
  const rejected = rejects.map((r) => [r.message, ...r.fields].join('\n')).join('\n');
  return lines.filter((l) => !rejected.includes(l.invoice)).reduce((sum, l) => sum + Number(l.qty), 0);
}

async function setUp(distributorId: string, partnerIds: string[], plan: number | null = null) {
  await env.importReference({
    distributors: [distributorId],
    partners: partnerIds,
    acceptances: partnerIds.map((partnerId) => ({ partnerId, program: 'client', plan })),
  });
}

describe('lines that break the CSV', () => {
  it('reads an unbalanced quote on to the next quote that closes a field, as one malformed record, and pays the lines around it', async () => {
    await setUp('uq-dist', ['UQ101', 'UQ102', 'UQ103']);
    // 1. The quote on line 5 is closed by the quoted description of line 7 (LATITUDE holds a quote, so
    // it is written quoted; VOSTRO is not).
    const closed = linesOf('UQ101', 'UQA', [
      [LATITUDE, 11],
      [LATITUDE, 12],
      [LATITUDE, 13],
      ['x', 0],
      [VOSTRO, 15],
      [LATITUDE, 16],
      [LATITUDE, 17],
      [LATITUDE, 18],
      [LATITUDE, 19],
    ]);
    const closedText = csvWith([
      ...closed.slice(0, 3),
      '2016-02-20,UQA-0004,UQ101,,"Dell Latitude 5480 with a quote that is not closed,14,,',
      ...closed.slice(4),
    ]);
    // 2. Nothing closes the quote on line 4: the rest of the file is one field.
    const open = linesOf('UQ102', 'UQB', [
      [LATITUDE, 21],
      [LATITUDE, 22],
      ['x', 0],
      [VOSTRO, 24],
      [VOSTRO, 25],
    ]);
    const openText = csvWith([
      ...open.slice(0, 2),
      '2016-02-20,UQB-0003,UQ102,,"Dell Latitude 5480,23,,',
      ...open.slice(3),
    ]);
    // 3. A quote inside a quoted field that is not doubled spoils only its line; a bare quote in an unquoted field is text.
    const stray = linesOf('UQ103', 'UQC', [
      [LATITUDE, 31],
      ['x', 0],
      ['x', 0],
      [LATITUDE, 34],
    ]);
    const strayText = csvWith([
      stray[0]!,
      '2016-02-20,UQC-0002,UQ103,,"Dell Latitude 5480 14" notebook",32,,',
      '2016-02-20,UQC-0003,UQ103,,Dell Latitude 5480 14" notebook,33,,',
      stray[3]!,
    ]);
    const [closedKey, openKey, strayKey] = await env.uploadAll([
      { distributorId: 'uq-dist', name: 'closed-later.csv', content: closedText },
      { distributorId: 'uq-dist', name: 'never-closed.csv', content: openText },
      { distributorId: 'uq-dist', name: 'stray.csv', content: strayText },
    ]);

    // Lines 5 to 7 are record 5; line 8 is record 6: numbers count records, not lines of the file.
    const a = await expectProcessed(closedKey!);
    expect(a.report.counts).toMatchObject({ read: 7, extracted: 6, rejected: 1 });
    expect(a.rejects.map((r) => [r.line, r.code])).toEqual([[5, 'malformed-row']]);
    expect(a.rejects[0]!.message).toMatch(/quote/);
    const swallowed = a.rejects[0]!.fields.join(',');
    expect(swallowed).toContain('UQA-0004');
    expect(swallowed).toContain('UQA-0005');
    expect(swallowed).toContain('UQA-0006');
    expect(await unitsOf('UQ101')).toBe(11 + 12 + 13 + 17 + 18 + 19);
    expect(await unitsOf('UQ101')).toBe(unitsNotRejected(closed, a.rejects));
    expect(await totalOf('UQ101')).toBe(clientPayout({ premium: 90 }));

    const b = await expectProcessed(openKey!);
    expect(b.report.counts).toMatchObject({ read: 3, extracted: 2, rejected: 1 });
    expect(b.rejects.map((r) => [r.line, r.code])).toEqual([[4, 'malformed-row']]);
    expect(b.rejects[0]!.message).toMatch(
      /never closed, so everything up to the end of the file was read as one field/,
    );
    // The swallowed lines are not tallied, but they are in the rejects file for the distributor to resend.
    expect(b.rejects[0]!.fields.join(',')).toMatch(/UQB-0004.*UQB-0005/s);
    expect(await unitsOf('UQ102')).toBe(21 + 22);
    expect(await unitsOf('UQ102')).toBe(unitsNotRejected(open, b.rejects));

    const c = await expectProcessed(strayKey!);
    expect(c.report.counts).toMatchObject({ read: 4, extracted: 3, rejected: 1 });
    expect(c.rejects.map((r) => [r.line, r.code])).toEqual([[3, 'malformed-row']]);
    expect(c.rejects[0]!.message).toMatch(/not doubled/);
    expect(await unitsOf('UQ103')).toBe(31 + 33 + 34);
    for (const key of [closedKey!, openKey!, strayKey!]) expect(reads(key)).toBe(1);
    expect(errors).toEqual([]);
  });

  it('rejects a 5 MB line as record-too-long and tallies the lines around it', async () => {
    await setUp('ll-dist', ['LL101']);
    const lines = linesOf('LL101', 'LL', [
      [LATITUDE, 20],
      [LATITUDE, 21],
      ['Dell Latitude 5480 '.padEnd(5 * 2 ** 20, 'x'), 22],
      [LATITUDE, 23],
      [VOSTRO, 24],
    ]);
    const body = renderReport(lines);
    expect(body.length).toBeGreaterThan(5 * 2 ** 20);
    const key = await env.upload('ll-dist', 'long-line.csv', body);

    const { report, rejects } = await expectProcessed(key);
    expect(report.counts).toMatchObject({ read: 5, extracted: 4, rejected: 1 });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 4, code: 'record-too-long', fields: [] });
    // The message shows how the line starts, so the distributor can find it.
    expect(rejects[0]!.message).toMatch(
      /longer than 1,000,000 characters.*It starts with: 2016-02-20,LL-0003,LL101/,
    );
    expect(await unitsOf('LL101')).toBe(unitsNotRejected(lines, rejects));
    expect(await totalOf('LL101')).toBe(clientPayout({ premium: 64, 'vostro-3xxx': 24 }));
    expect(reads(key)).toBe(1);
    expect(errors).toEqual([]);
  });
});

describe('files that are not what they say', () => {
  it('fails a small file with a zero byte, a .gz of binary data and UTF-16 without a BOM as not text, once each', async () => {
    await setUp('nt-dist', ['NT101']);
    const good = renderReport(
      linesOf('NT101', 'NT', [
        [LATITUDE, 60],
        [LATITUDE, 1],
      ]),
    ).toString('utf8');
    const cases = [
      {
        name: 'zero-byte.csv',
        content: Buffer.from(good.replace('NT-0002', 'NT-\u00000002')),
        says: /zero bytes/,
      },
      {
        name: 'noise.csv.gz',
        content: gzipSync(Buffer.concat([PNG_SIGNATURE, randomBytes(50_000)])),
        says: /not text/,
      },
      { name: 'utf16.csv', content: Buffer.from(good, 'utf16le'), says: /zero bytes/ },
    ];
    const keys = await env.uploadAll(cases.map((c) => ({ distributorId: 'nt-dist', ...c })));
    for (const [i, c] of cases.entries()) {
      const report = await expectFailedOnce(keys[i]!, 'not-text');
      expect(report.error!.message, c.name).toMatch(c.says);
    }
    expect((await env.payouts(Q1, 'NT101'))?.lines ?? []).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('judges text on the first block: a zero byte far into a text file rejects its line alone', async () => {
    await setUp('nz-dist', ['NZ101']);
    // About 300 KiB of good lines first: far past the 64 KiB block in which binary content is looked for.
    const head = linesOf(
      'NZ101',
      'NZA',
      Array.from({ length: 4000 }, () => [VOSTRO, 1] as [string, number]),
    );
    const tail = linesOf('NZ101', 'NZB', [
      [LATITUDE, 7],
      [LATITUDE, '3\u0000'],
      [LATITUDE, 9],
    ]);
    tail.push(...linesOf('NZ\u0000101', 'NZC', [[LATITUDE, 5]]));
    const body = renderReport([...head, ...tail]);
    expect(body.indexOf(0)).toBeGreaterThan(256 * 1024);
    const key = await env.upload('nz-dist', 'late-zero.csv', body);

    const { report, rejects } = await expectProcessed(key);
    expect(report.counts).toMatchObject({ read: 4004, extracted: 4002, rejected: 2 });
    expect(rejects.map((r) => [r.line, r.code, r.fields[2], r.fields[5]])).toEqual([
      [4003, 'bad-encoding', 'NZ101', '3\uFFFD'],
      [4005, 'bad-encoding', 'NZ\uFFFD101', '5'],
    ]);
    expect(rejects[0]!.message).toContain('zero byte');
    expect(await env.held(key)).toEqual([]);
    expect(await totalOf('NZ101')).toBe(clientPayout({ 'vostro-3xxx': 4000, premium: 16 }));
    expect(reads(key)).toBe(1);
    expect(errors).toEqual([]);
  });

  it('fails a small .gz that unpacks past the bound as too-large, read once and never retried', async () => {
    await setUp('gb-dist', ['GB101']);
    const good = renderReport(linesOf('GB101', 'GB', [[LATITUDE, 60]]));
    // Long lines: the unpacked bytes pass their bound before the lines pass theirs.
    const padding = Buffer.alloc(
      8 * MAX_INFLATED,
      `2016-02-20,GB-PAD,GB101,,Dell Latitude 5480 ${'x'.repeat(500)},1,,\n`,
    );
    const bomb = gzipSync(Buffer.concat([good, padding]), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_INFLATED / 8);
    const key = await env.upload('gb-dist', 'bomb.csv.gz', bomb);

    const report = await expectFailedOnce(key, 'too-large');
    expect(report.error!.message).toBe(
      'The file is larger than 8 MiB once unpacked, which is the most one report may be. Split it into smaller files.',
    );
    // The good line before the padding counts for nothing: a file is taken whole or not at all.
    expect((await env.payouts(Q1, 'GB101'))?.lines ?? []).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('reports past the memory bounds', () => {
  it('fails a report of more lines than the bound as too-large, with a plain message, read once', async () => {
    await setUp('ml-dist', ['ML101']);
    const lines = linesOf(
      'ML101',
      'ML',
      Array.from({ length: MAX_LINES + 1 }, () => [LATITUDE, 1] as [string, number]),
    );
    const key = await env.upload('ml-dist', 'too-many-lines.csv', renderReport(lines));

    const report = await expectFailedOnce(key, 'too-large');
    expect(report.error!.message).toBe(
      'The file has more than 20,000 lines, which is the most one report may have. ' +
        'Split it into smaller files (for example one per month) and upload them again.',
    );
    expect((await env.payouts(Q1, 'ML101'))?.lines ?? []).toEqual([]);
  });

  it('keeps every reject of an all-bad report whose rejects outgrow memory, and leaves no temporary file', async () => {
    await setUp('rb-dist', ['RB101']);
    const tmpBefore = (await readdir(tmpdir())).filter((f) => f.startsWith('rejects-'));
    // A 6 MB file (under the 8 MB bound) whose rejects, about 8 MB, pass the 4 MB kept in memory.
    const long = `${LATITUDE} ${'x'.repeat(240)}`;
    const lines = linesOf(
      'RB101',
      'RB',
      Array.from({ length: MAX_LINES - 1 }, () => [long, '1,5'] as [string, string]),
    );
    const key = await env.upload('rb-dist', 'all-bad.csv', renderReport(lines));

    const { report, rejects } = await expectProcessed(key);
    expect(report.counts).toMatchObject({ read: MAX_LINES - 1, extracted: 0, rejected: MAX_LINES - 1 });
    expect(rejects.every((r) => r.code === 'bad-quantity')).toBe(true);
    expect(rejects.at(-1)?.fields).toContain(lines.at(-1)!.invoice);
    expect((await readdir(tmpdir())).filter((f) => f.startsWith('rejects-'))).toEqual(tmpBefore);
  });
});

describe('encodings and values', () => {
  it('decodes a file in the encoding of its first block; lines in the other encoding are rejected as bad-encoding, never decoded into something else', async () => {
    await setUp('me-dist', ['ME101', 'ME102']);
    // Each value below reads right only in the encoding it was written in.
    const sensitive = (partnerId: string, prefix: string): SaleLine[] => [
      {
        date: '2016-02-20',
        invoice: `${prefix}-0001`,
        partnerId: `№${partnerId}`,
        description: LATITUDE,
        qty: 2,
      },
      { date: '2016-02-20', invoice: `${prefix}-0002`, partnerId, description: LATITUDE, qty: '3 шт' },
      { date: '2016-02-20', invoice: `${prefix}-0003`, partnerId, description: LATITUDE_RU, qty: 4 },
      { date: '2016-02-20', invoice: `${prefix}-0004`, partnerId, description: LATITUDE, qty: 5 },
    ];
    const bulk = (partnerId: string, prefix: string) =>
      Array.from({ length: 3000 }, (_, i) => ({
        date: '2016-02-20',
        invoice: `${prefix}-${String(i + 1).padStart(5, '0')}`,
        partnerId,
        description: 'Ноутбук Dell Vostro 3568',
        qty: 1,
      }));
    const rowsText = (lines: SaleLine[], withHeader: boolean) => {
      const rows = reportRows(lines);
      return writeCsv(withHeader ? rows : rows.slice(1), ',', '\n') + '\n';
    };
    const utf8First = Buffer.concat([
      Buffer.from(rowsText([...bulk('ME101', 'MEU'), ...sensitive('ME101', 'MEU1')], true)),
      encodeCp1251(rowsText(sensitive('ME101', 'MEU2'), false)),
    ]);
    const cp1251First = Buffer.concat([
      encodeCp1251(rowsText([...bulk('ME102', 'MEC'), ...sensitive('ME102', 'MEC1')], true)),
      Buffer.from(rowsText(sensitive('ME102', 'MEC2'), false)),
    ]);
    expect(Math.min(utf8First.length, cp1251First.length)).toBeGreaterThan(128 * 1024);
    const [utfKey, cpKey] = await env.uploadAll([
      { distributorId: 'me-dist', name: 'utf8-then-cp1251.csv', content: utf8First },
      { distributorId: 'me-dist', name: 'cp1251-then-utf8.csv', content: cp1251First },
    ]);

    // Shown as far as they can be read: U+FFFD for bytes that are not UTF-8, a UTF-8 line as written.
    for (const [key, encoding, partnerId, shownId] of [
      [utfKey!, 'utf-8', 'ME101', '\uFFFDME101'],
      [cpKey!, 'windows-1251', 'ME102', '№ME102'],
    ] as const) {
      const { report, rejects } = await expectProcessed(key);
      expect(report.format?.encoding).toBe(encoding);
      expect(report.counts).toMatchObject({ read: 3008, extracted: 3005, rejected: 3 });
      // The three lines with non-ASCII text in the second part are refused; the ASCII one is read.
      expect(rejects.map((r) => [r.line, r.code])).toEqual([
        [3006, 'bad-encoding'],
        [3007, 'bad-encoding'],
        [3008, 'bad-encoding'],
      ]);
      expect(rejects[0]!.fields[2]).toBe(shownId);
      expect(await env.held(key)).toEqual([]);
      expect(await totalOf(partnerId)).toBe(
        clientPayout({ 'vostro-3xxx': 3000, premium: 2 + 3 + 4 + 5 + 5 }),
      );
      expect(reads(key)).toBe(1);
    }
    expect(errors).toEqual([]);
  });

  it('tallies 7 шт, +2, 1 000 and a return of -3, and rejects 1e9 and 12,5', async () => {
    await setUp('qt-dist', ['QT101']);
    const lines = linesOf('QT101', 'QT', [
      [LATITUDE, '1e9'],
      [LATITUDE, '12,5'],
      [LATITUDE, '  7 шт'],
      [VOSTRO, '+2'],
      [VOSTRO, '1 000'],
      [VOSTRO, '-3'],
    ]);
    const key = await env.upload(
      'qt-dist',
      'quantities.csv',
      renderReport(lines, { delimiter: ';', headers: 'ru' }),
    );

    const { report, rejects } = await expectProcessed(key);
    expect(report.counts).toMatchObject({ read: 6, extracted: 4, rejected: 2 });
    expect(rejects.map((r) => [r.line, r.code, r.fields[5]])).toEqual([
      [2, 'bad-quantity', '1e9'],
      [3, 'bad-quantity', '12,5'],
    ]);
    expect(rejects[0]!.message).toMatch(/exponent form/);
    expect(rejects[1]!.message).toMatch(/not a whole number/);
    const p = (await env.payouts(Q1, 'QT101'))!;
    expect(p.lines.map((l) => [l.rateRow, l.units]).sort()).toEqual([
      ['premium', 7],
      ['vostro-3xxx', 999],
    ]);
    // 1006 units reach the higher plan, where Vostro pays more.
    expect(p.progress.find((t) => t.program === 'client')).toMatchObject({ units: 1006, appliedPlan: 150 });
    expect(p.total.toFixed(2)).toBe(clientPayout({ premium: 7, 'vostro-3xxx': 999 }));
    expect(reads(key)).toBe(1);
  });
});

describe('keys and upload URLs', () => {
  it('takes keys literally: the distributor is the first folder after incoming/, whatever the name holds', async () => {
    await env.importReference({
      distributors: ['kd-a', 'kd-b'],
      partners: ['KD101'],
      acceptances: [{ partnerId: 'KD101', program: 'client' }],
    });
    const names = ['../kd-b/x.csv', 'Отчёт за март + апрель 2016 (v2)..csv'];
    const content = (prefix: string) =>
      renderReport([
        ...linesOf('KD101', prefix, [[LATITUDE, 30]]),
        ...linesOf('KD404', prefix, [[LATITUDE, 1]]),
      ]);
    const keys = await env.uploadAll(
      names.map((name, i) => ({ distributorId: 'kd-a', name, content: content(`KD${i}`) })),
    );
    expect(keys).toEqual([
      'incoming/kd-a/../kd-b/x.csv',
      'incoming/kd-a/Отчёт за март + апрель 2016 (v2)..csv',
    ]);
    // Named by the version's sequencer too (a version's own file).
    const rejectsStems = ['rejects/kd-a/../kd-b/x', 'rejects/kd-a/Отчёт за март + апрель 2016 (v2).'];

    for (const [i, key] of keys.entries()) {
      const { report, rejects } = await expectProcessed(key);
      expect(report).toMatchObject({
        key,
        distributorId: 'kd-a',
        name: names[i],
      });
      expect(report.rejectsKey).toBe(`${rejectsStems[i]}/${report.sequencer}.${report.reportId}.rejects.csv`);
      expect(report.counts).toMatchObject({ read: 2, extracted: 2, rejected: 0 });
      expect(rejects).toEqual([]);
      expect((await env.held(key)).map((h) => [h.reason, h.message])).toEqual([
        ['unknown-partner', expect.stringContaining('KD404')],
      ]);
      expect(reads(key)).toBe(1);
    }
    expect((await env.rt.deps.reports.list({ distributorId: 'kd-a' })).map((r) => r.key).sort()).toEqual(
      [...keys].sort(),
    );
    expect(await env.rt.deps.reports.list({ distributorId: 'kd-b' })).toEqual([]);
    const p = (await env.payouts(Q1, 'KD101'))!;
    expect(p.lines.map((l) => [l.distributorId, l.units])).toEqual([['kd-a', 60]]);
    expect(p.total.toFixed(2)).toBe(clientPayout({ premium: 60 }));
    expect(errors).toEqual([]);
  });

  it("signs the key of an upload URL: aimed at another distributor's folder in any spelling, it is not valid", async () => {
    await setUp('up-a', ['UP101']);
    await env.importReference({ distributors: ['up-b'] });
    // As POST /uploads does: the key comes from the caller's own distributor ID.
    const key = 'incoming/up-a/march.csv';
    const url = await env.rt.deps.urls.presignPut(key, 900);
    const secret = env.rt.stack.env.AWS_SECRET_ACCESS_KEY;
    expect(presignedUrlIsValid('PUT', url, secret)).toBe(true);
    const u = new URL(url);
    const aimed = (path: string) => {
      const v = new URL(url);
      v.pathname = u.pathname.replace('/incoming/up-a/march.csv', path);
      return v.toString();
    };
    // S3 checks V4 signatures over the path it receives (the local S3 too: local/s3-sigv4.ts); each
    // is checked here as S3 would, independently of both.
    for (const path of [
      '/incoming/up-b/march.csv',
      '/incoming/up-a/../up-b/march.csv',
      '/incoming/up-a/%2E%2E/up-b/march.csv',
      '/incoming/up-a%2F..%2Fup-b/march.csv',
      '/incoming/up-a/april.csv',
    ]) {
      const target = aimed(path);
      expect(target, path).not.toBe(url);
      expect(presignedUrlIsValid('PUT', target, secret), path).toBe(false);
    }

    // Used as given, the URL delivers a report that counts for up-a only.
    const created = new Promise<void>((resolve) => {
      const off = env.rt.stack.onObjectCreated((record) => {
        if (decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')) !== key) return;
        off();
        resolve();
      });
    });
    const put = await fetch(url, {
      method: 'PUT',
      body: renderReport(linesOf('UP101', 'UP', [[LATITUDE, 55]])),
    });
    expect(put.status).toBe(200);
    await created;
    await env.rt.idle();
    const { report } = await expectProcessed(key);
    expect(report).toMatchObject({ distributorId: 'up-a', counts: { extracted: 1 } });
    expect(await env.rt.deps.reports.list({ distributorId: 'up-b' })).toEqual([]);
    expect(await totalOf('UP101')).toBe(clientPayout({ premium: 55 }));
  });
});

describe('faults mid-file', () => {
  const isExtractPutOf = (key: string) => (input: Record<string, unknown>) =>
    String(input.Key).startsWith(`extracts/${reportIdOf(key)}/`);
  /** A write of the payout shard the partner's result is in. */
  const isShardOf = (partnerId: string) => (r: { PutRequest?: { Item: Record<string, unknown> } }) =>
    r.PutRequest?.Item.pk === keys.payoutShard(Q1, bucketOf(partnerId, PAYOUT_SHARDS)).pk;
  const isPayoutWriteOf = (partnerId: string) => (input: Record<string, unknown>) =>
    Object.values(input.RequestItems as Record<string, { PutRequest?: { Item: Record<string, unknown> } }[]>)
      .flat()
      .some(isShardOf(partnerId));
  /** The one transaction that writes a version's record (its first item). */
  const isActivationOf = (key: string) => (input: Record<string, unknown>) =>
    (input.TransactItems as { Update?: { Key?: { pk?: string } } }[] | undefined)?.[0]?.Update?.Key?.pk ===
    `REPORT#${reportIdOf(key)}`;

  /** 30 partners (two tally batches), `perPartner` lines each, alternating Latitude and Vostro. */
  async function manyPartners(prefix: string, distributorId: string, perPartner: number) {
    const ids = Array.from({ length: 30 }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
    await setUp(distributorId, ids);
    const lines = ids.flatMap((id, p) =>
      Array.from({ length: perPartner }, (_, i) => ({
        date: '2016-03-01',
        invoice: `${id}-${i}`,
        partnerId: id,
        description: i % 2 ? VOSTRO : LATITUDE,
        qty: i % 2 ? 1 : 50 + (p % 3),
      })),
    );
    const expected = (id: string) => {
      const p = ids.indexOf(id);
      const vostro = Math.floor(perPartner / 2);
      return clientPayout({ premium: Math.ceil(perPartner / 2) * (50 + (p % 3)), 'vostro-3xxx': vostro });
    };
    return { ids, lines, expected };
  }

  it('ends correct after an S3 read error mid-file and then a throttled extract write: read three times, no dead letter', async () => {
    const { ids, lines, expected } = await manyPartners('FR', 'fr-dist', 50);
    const body = renderReport(lines);
    expect(body.length).toBeGreaterThan(100_000);
    const key = 'incoming/fr-dist/faults.csv';
    const cut = faults.arm({
      client: 's3',
      command: 'GetObjectCommand',
      match: (input) => input.Key === key,
      fail: cuttingBody(Math.floor(body.length / 2)),
    });
    const throttle = faults.arm({
      client: 's3',
      command: 'PutObjectCommand',
      match: isExtractPutOf(key),
      fail: throwing(throughputExceeded),
    });
    await env.upload('fr-dist', 'faults.csv', body);

    expect([cut.fired, throttle.fired]).toEqual([1, 1]);
    expect(errors).toEqual([
      { what: 'ingest', message: expect.stringMatching(/ECONNRESET/) },
      { what: 'ingest', message: expect.stringMatching(/throughput/) },
    ]);
    expect(reads(key)).toBe(3);
    const { report } = await expectProcessed(key);
    expect(report.counts).toMatchObject({ read: 1500, extracted: 1500, rejected: 0 });
    expect(await env.extractKeys(key)).toEqual([report.extractKey]);
    for (const id of ids) expect(await totalOf(id), id).toBe(expected(id));
  });

  it('ends correct after a throttled activation: the retry writes the same extract and activates once', async () => {
    const { ids, lines, expected } = await manyPartners('FA', 'fa-dist', 2);
    const key = 'incoming/fa-dist/activation.csv';
    const throttle = faults.arm({
      client: 'doc',
      command: 'TransactWriteCommand',
      match: isActivationOf(key),
      fail: throwing(throughputExceeded),
    });
    await env.upload('fa-dist', 'activation.csv', renderReport(lines));

    expect(throttle.fired).toBe(1);
    expect(throttle.seen).toBe(2);
    expect(errors).toEqual([{ what: 'ingest', message: expect.stringMatching(/throughput/) }]);
    expect(reads(key)).toBe(2);
    const { report } = await expectProcessed(key);
    expect(report.counts).toMatchObject({ read: 60, extracted: 60, rejected: 0 });
    expect(await env.extractKeys(key)).toEqual([report.extractKey]);
    for (const id of ids) expect(await totalOf(id), id).toBe(expected(id));
  });

  it('re-sends payout writes DynamoDB leaves unprocessed, within the same computation', async () => {
    const { ids, lines, expected } = await manyPartners('FU', 'fu-dist', 2);
    const key = 'incoming/fu-dist/unprocessed.csv';
    // DynamoDB under load answers a batch write with some items unprocessed rather than an error:
    // here the shard of the first partner is left over.
    const halfUnprocessed: FaultAction = async (_send, sent) => {
      const [[table, requests]] = Object.entries(
        sent.input.RequestItems as Record<string, Record<string, unknown>[]>,
      ) as [[string, Record<string, unknown>[]]];
      const left = requests.filter(isShardOf(ids[0]!));
      const done = requests.filter((r) => !left.includes(r));
      if (done.length) await env.rt.stack.clients.doc.send(new BatchWriteCommand({ RequestItems: { [table]: done } }));
      return { UnprocessedItems: { [table]: left }, $metadata: {} };
    };
    const fault = faults.arm({
      client: 'doc',
      command: 'BatchWriteCommand',
      match: isPayoutWriteOf(ids[0]!),
      fail: halfUnprocessed,
    });
    await env.upload('fu-dist', 'unprocessed.csv', renderReport(lines));

    expect(fault.fired).toBe(1);
    // The batch with the first partner's shard, and that shard left unprocessed sent again.
    expect(faults.count('doc', 'BatchWriteCommand', isPayoutWriteOf(ids[0]!))).toBe(2);
    expect(fault.fired).toBe(1);
    expect(errors).toEqual([]);
    expect(reads(key)).toBe(1);
    await expectProcessed(key);
    for (const id of ids) expect(await totalOf(id), id).toBe(expected(id));
  });

  it('re-sends a payout batch DynamoDB throttles as a whole, within the same computation', async () => {
    const { ids, lines, expected } = await manyPartners('FT', 'ft-dist', 2);
    const key = 'incoming/ft-dist/throttled.csv';
    // A batch throttled as a whole throws instead of coming back unprocessed.
    const fault = faults.arm({
      client: 'doc',
      command: 'BatchWriteCommand',
      match: isPayoutWriteOf(ids[0]!),
      fail: throwing(throughputExceeded),
    });
    await env.upload('ft-dist', 'throttled.csv', renderReport(lines));

    expect(fault.fired).toBe(1);
    expect(fault.seen).toBe(2);
    expect(errors).toEqual([]);
    expect(reads(key)).toBe(1);
    await expectProcessed(key);
    for (const id of ids) expect(await totalOf(id), id).toBe(expected(id));
  });
});

describe('concurrent computations', () => {
  it('gives the same payouts as one run when a quarter is computed many times at once, and credits no points while open', async () => {
    await setUp('cr-dist', ['CR101'], 150);
    await env.upload(
      'cr-dist',
      'cr.csv',
      renderReport(
        linesOf('CR101', 'CR', [
          [LATITUDE, 40],
          [VOSTRO, 20],
        ]),
      ),
    );
    // Plan 150 chosen and 60 units sold: nothing paid.
    expect(await totalOf('CR101')).toBe('0.00');

    // The partner lowers its plan (a later acceptance) and completes a course; stored without computing.
    const course = 'DPWS0212WBTS';
    await importReference(
      { ...env.rt.deps, compute: { publish: async () => undefined } },
      referenceChange({
        acceptances: [
          { partnerId: 'CR101', program: 'client', plan: 50, acceptedAt: '2016-03-01T10:00:00+03:00' },
        ],
        trainings: [{ partnerId: 'CR101', courseCode: course, completedAt: '2016-03-01T10:00:00+03:00' }],
      }),
    );
    const requests = Array.from({ length: 10 }, (_, i) => ({ quarter: Q1, cause: `abuse ${i}` }));
    // Direct runs race each other and the queue (which runs one at a time per quarter).
    const results = await Promise.all([
      computeQuarterNow(env.rt.deps, Q1, 'direct 1'),
      computeQuarterNow(env.rt.deps, Q1, 'direct 2'),
      env.rt.deps.compute.publish(requests),
      computeQuarterNow(env.rt.deps, Q1, 'direct 3'),
    ]);
    await env.rt.idle();

    const expectedTotal = clientPayout({ premium: 40, 'vostro-3xxx': 20 });
    for (const r of results)
      if (r && r.status === 'computed')
        expect(r.computation.partners.find((p) => p.partnerId === 'CR101')!.result.total.toFixed(2)).toBe(expectedTotal);
    const stored = (await env.rt.deps.payouts.get(Q1, 'CR101'))!;
    expect(stored.result.total.toFixed(2)).toBe(expectedTotal);

    const campaign = q1Rules().file.points;
    expect(Object.fromEntries(stored.points.map((e) => [e.source, e.points]))).toEqual({
      [`payout:${Q1}/CR101/cr-dist/client/premium`]: 40 * campaign.pointsPerUnit['client/premium']!,
      [`payout:${Q1}/CR101/cr-dist/client/vostro-3xxx`]: 20 * campaign.pointsPerUnit['client/vostro-3xxx']!,
      [`course:${course}`]: campaign.pointsPerCourse.byCourse[course] ?? campaign.pointsPerCourse.default,
    });
    // Pending while the quarter is open: nothing in the ledger.
    expect((await env.rt.deps.reference.partnerState('CR101')).ledger).toEqual([]);

    // One more run afterwards changes nothing.
    expect((await computeQuarterNow(env.rt.deps, Q1, 'after')).status).toBe('unchanged');
    expect(await env.rt.deps.payouts.get(Q1, 'CR101')).toEqual(stored);
    expect(env.rt.deadLetters()).toEqual([]);
  });
});
