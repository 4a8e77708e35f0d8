import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';

describe('bucketOf', () => {
  it('is stable: stored items are found by it, so these values must never change', () => {
    expect(bucketOf('', 256)).toBe(0x811c9dc5 % 256);
    // FNV-1a's published value for "a", and one partner ID worked out by hand.
    expect(bucketOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(bucketOf('RU200002', 256)).toBe(0xf8f6184c % 256);
  });

  it('spreads partner IDs evenly over the buckets', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) counts[bucketOf(`RU${200000 + i}`, 64)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});
