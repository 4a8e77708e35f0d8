/**
 * The bench's count of items written by kind (bench/count-writes.ts): a quarter's record of its
 * payout shards is counted apart from the shards, so "payouts written" counts payouts only.
 */
import { describe, expect, it } from 'vitest';
import { kindOf } from '../../bench/count-writes.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';

describe('kinds of items written', () => {
  it('counts payout shards, the quarter’s record of them and the per-partner items of earlier versions apart', () => {
    expect(kindOf(keys.payoutShard('2016-Q1', 7))).toBe('PAYOUT-SHARD');
    expect(kindOf(keys.payoutShard('2016-Q1', 255))).toBe('PAYOUT-SHARD');
    expect(kindOf(keys.payoutShards('2016-Q1'))).toBe('PAYOUT-SHARDS');
    expect(kindOf(keys.payout('2016-Q1', 'P1'))).toBe('PAYOUT');
  });
});
