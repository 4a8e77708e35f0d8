/**
 * Reads reports with the reader's byte lane and with its text path and compares every record
 * (line, fields, values, error): `node --import tsx bench/lane-compare.ts <report>...`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readReport, type ReadReportOptions } from '../shared/csv/read-report.js';

async function digest(path: string, lane: ReadReportOptions['lane']) {
  const reading = readReport(createReadStream(path), { lane });
  await reading.format;
  const hash = createHash('sha256');
  let n = 0;
  for await (const batch of reading.records)
    for (const r of batch) {
      n++;
      hash.update(JSON.stringify([r.line, r.fields, r.values, r.error ?? null]));
      hash.update('\n');
    }
  const done = await reading.done;
  hash.update(JSON.stringify(done));
  return { n, digest: hash.digest('hex') };
}

let failed = false;
for (const path of process.argv.slice(2)) {
  const [bytes, text] = [await digest(path, 'bytes'), await digest(path, 'text')];
  const same = bytes.digest === text.digest && bytes.n === text.n;
  failed ||= !same;
  console.log(`${same ? 'same     ' : 'DIFFERENT'} ${bytes.n} records ${bytes.digest.slice(0, 16)} ${text.digest.slice(0, 16)} ${path}`);
}
process.exitCode = failed ? 1 : 0;
