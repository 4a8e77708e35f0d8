/**
 * mapAhead (shared/adapters/dynamo/map-ahead.ts): the payout items are compressed several at once,
 * and still go to the writes in the partners' order, with a failure reported, not lost.
 */
import { describe, expect, test } from 'vitest';
import { mapAhead } from '../../shared/adapters/dynamo/map-ahead.js';

async function* numbers(n: number) {
  for (let i = 0; i < n; i++) yield i;
}

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapAhead', () => {
  test('gives the results in the order of the source, however long each takes', async () => {
    const out: number[] = [];
    // The first items take longest: in order of finishing they would come out reversed.
    for await (const v of mapAhead(numbers(20), async (i) => (await later(20 - i), i * 10), 8)) out.push(v);
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
  });

  test('keeps at most `depth` items in work at once, and more than one', async () => {
    let inWork = 0;
    let most = 0;
    const out: number[] = [];
    for await (const v of mapAhead(
      numbers(30),
      async (i) => {
        most = Math.max(most, ++inWork);
        await later(2);
        inWork--;
        return i;
      },
      5,
    ))
      out.push(v);
    expect(out).toHaveLength(30);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(5);
  });

  test('a failing item fails the iteration', async () => {
    const read = async () => {
      for await (const _ of mapAhead(numbers(10), async (i) => {
        if (i === 6) throw new Error('item 6 failed');
        return i;
      }, 4));
    };
    await expect(read()).rejects.toThrow('item 6 failed');
  });
});
