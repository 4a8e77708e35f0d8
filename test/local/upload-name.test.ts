import { describe, expect, it } from 'vitest';
import { reportUploadName } from '../../local/runtime.js';

describe('report names uploaded by the CLI', () => {
  it('get a lower-case extension, since the S3 trigger matches .csv and .csv.gz case-sensitively', () => {
    expect(reportUploadName('ОТЧЁТ.CSV')).toBe('ОТЧЁТ.csv');
    expect(reportUploadName('march.Csv.GZ')).toBe('march.csv.gz');
    expect(reportUploadName('already.csv')).toBe('already.csv');
    expect(reportUploadName('notes.txt')).toBe('notes.txt');
  });
});
