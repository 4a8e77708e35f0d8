/**
 * The table's keys as docs/architecture.md ("DynamoDB") lists them, written out here as literals:
 * the builders take their prefixes from the storage contract, and stored items are found by these
 * exact strings, so a change of a prefix must fail here before it strands data.
 */
import { describe, expect, it } from 'vitest';
import { approvalKeys, auditKeys, financeKeys, keys, quarterKeys } from '../../shared/adapters/dynamo/keys.js';
import { PREFIX, reportKey, workbenchKey } from '../../shared/storage-contract.js';

describe('the key layout', () => {
  it('keeps the report, quarter and file claim keys', () => {
    expect(keys.report('r1')).toEqual({ pk: 'REPORT#r1', sk: 'META' });
    expect(keys.reportIndex('marvel', '2016-02-01T00:00:00.000Z', 'r1')).toEqual({
      gsi1pk: 'REPORTS#marvel',
      gsi1sk: '2016-02-01T00:00:00.000Z#r1',
    });
    expect(keys.distributorReports('marvel')).toBe('REPORTS#marvel');
    expect(keys.quarterReport('2016-Q1', 'r1')).toEqual({ pk: 'QUARTER#2016-Q1', sk: 'REPORT#r1' });
    expect([keys.quarterPk('2016-Q1'), keys.reportPrefix]).toEqual(['QUARTER#2016-Q1', 'REPORT#']);
    expect(quarterKeys.quarter('2016-Q1')).toEqual({ pk: 'QUARTER#2016-Q1', sk: 'META' });
    expect(quarterKeys.computation('2016-Q1')).toEqual({ pk: 'QUARTER#2016-Q1', sk: 'COMPUTATION' });
    expect(keys.fileClaim('marvel', 'ab12')).toEqual({ pk: 'FILES', sk: 'FILE#marvel#ab12' });
    expect(keys.fileClaimsPk).toBe('FILES');
    expect(keys.referenceRevision).toEqual({ pk: 'REFERENCE#META', sk: 'REVISION' });
  });

  it('keeps the partner, reference, payout and ledger keys', () => {
    expect(keys.partner('RU1')).toEqual({ pk: 'PARTNER#RU1', sk: 'PROFILE', gsi1pk: 'PARTNERS', gsi1sk: 'RU1' });
    expect(keys.acceptance({ partnerId: 'RU1', program: 'client', plan: 50, acceptedAt: '2016-01-20T12:00:00+03:00' })).toEqual({
      pk: 'PARTNER#RU1',
      sk: 'ACCEPT#client#2016-01-20T09:00:00.000Z#50',
      gsi1pk: 'ACCEPTANCES',
      gsi1sk: 'RU1#ACCEPT#client#2016-01-20T09:00:00.000Z#50',
    });
    expect(keys.training('RU1', 'C-1', '2016-01-10')).toEqual({
      pk: 'PARTNER#RU1',
      sk: 'TRAIN#C-1#2016-01-10',
      gsi1pk: 'TRAININGS',
      gsi1sk: 'RU1#TRAIN#C-1#2016-01-10',
    });
    expect(keys.payout('2016-Q1', 'RU1')).toEqual({ pk: 'PARTNER#RU1', sk: 'PAYOUT#2016-Q1' });
    expect(keys.payoutsLegacyIndex('2016-Q1')).toBe('PAYOUTS#2016-Q1');
    // A shard per bucket, each its own partition; the quarter's record of its shards apart from them.
    expect(keys.payoutShard('2016-Q1', 7)).toEqual({ pk: 'PAYOUT-SHARD#2016-Q1#007', sk: 'SHARD' });
    expect(keys.payoutShard('2016-Q1', 255).pk).toBe('PAYOUT-SHARD#2016-Q1#255');
    expect(keys.payoutShards('2016-Q1')).toEqual({ pk: 'PAYOUT-SHARD#2016-Q1', sk: 'SHARDS' });
    expect(keys.points('RU1', 'e1')).toEqual({ pk: 'PARTNER#RU1', sk: 'POINTS#e1' });
    expect(keys.redemptions('RU1')).toEqual({ pk: 'PARTNER#RU1', sk: 'REDEMPTIONS' });
    expect(keys.distributor('marvel')).toEqual({
      pk: 'DISTRIBUTOR#marvel',
      sk: 'PROFILE',
      gsi1pk: 'DISTRIBUTORS',
      gsi1sk: 'marvel',
    });
    expect(keys.catalog('ABC')).toEqual({ pk: 'CATALOG', sk: 'SKU#ABC' });
    expect(keys.index).toEqual({
      partners: 'PARTNERS',
      distributors: 'DISTRIBUTORS',
      acceptances: 'ACCEPTANCES',
      trainings: 'TRAININGS',
    });
    // A bucket's key names its kind and number, padded: stored items are found by it.
    expect(keys.referenceBucket('acceptances', 7)).toEqual({ pk: 'REF-BUCKET#acceptances#007', sk: 'ROWS' });
    expect(keys.referenceBucket('partners', 63)).toEqual({ pk: 'REF-BUCKET#partners#063', sk: 'ROWS' });
  });

  it('keeps the finance, audit and approval keys', () => {
    expect(financeKeys.payment({ quarter: '2016-Q1', partnerId: 'RU1', distributorId: 'marvel', paymentId: 'p1' })).toEqual({
      pk: 'PAYMENTS#2016-Q1',
      sk: 'PAYMENT#RU1#marvel#p1',
    });
    expect(financeKeys.upload('incoming/marvel/a.csv', '2016-02-01T00:00:00.000Z')).toEqual({
      pk: 'UPLOAD#incoming/marvel/a.csv',
      sk: 'AT#2016-02-01T00:00:00.000Z',
    });
    expect(auditKeys.entry('2016-02-01T00:00:00.000Z#x', '2016-02-01T00:00:00.000Z', 'fin-1')).toEqual({
      pk: 'AUDIT#2016-02',
      sk: '2016-02-01T00:00:00.000Z#x',
      gsi1pk: 'AUDIT-BY#fin-1',
      gsi1sk: '2016-02-01T00:00:00.000Z#x',
    });
    expect(auditKeys.once('k')).toEqual({ pk: 'AUDIT-ONCE#k', sk: 'ONCE' });
    // A report record's entry in the trail indexes: the entry's month partition, its actor's, and its id.
    expect(
      auditKeys.inRecord({ id: '2016-02-01T00:00:00.000Z#x', at: '2016-02-01T00:00:00.000Z', actor: { sub: 'marvel' } }),
    ).toEqual({
      gsi2pk: 'AUDIT#2016-02',
      gsi2sk: '2016-02-01T00:00:00.000Z#x',
      gsi3pk: 'AUDIT-BY#marvel',
      gsi3sk: '2016-02-01T00:00:00.000Z#x',
    });
    expect(approvalKeys.approval('a1')).toEqual({ pk: 'APPROVAL#a1', sk: 'META' });
    expect(approvalKeys.byStatus('pending', '2016-02-01', 'a1')).toEqual({
      gsi1pk: 'APPROVALS#pending',
      gsi1sk: '2016-02-01#a1',
    });
  });

  it('keeps the S3 prefixes and the key of an uploaded report', () => {
    expect(PREFIX).toEqual({
      incoming: 'incoming/',
      rejects: 'rejects/',
      extracts: 'extracts/',
      computations: 'computations/',
      rules: 'rules/',
      exports: 'exports/',
    });
    expect(reportKey('marvel', 'feb 2016.csv')).toBe('incoming/marvel/feb 2016.csv');
    expect(workbenchKey('2016-Q1', 'ab12')).toBe('computations/2016-Q1/workbench-ab12.json.gz');
  });
});
