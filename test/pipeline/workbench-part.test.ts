/**
 * gzipPart (shared/pipeline/workbench-part.ts) writes the workbench part's JSON a slice of items at
 * a time into the compressor: what a reader gunzips must be the very text of the whole part.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { WorkbenchBody } from '../../shared/pipeline/workbench-body.js';
import { gzipPart } from '../../shared/pipeline/workbench-part.js';

function body(items: number): WorkbenchBody {
  return {
    p: { RU1: ['RU-1', 'Partner "one"', 'Moscow', 'Registered'] },
    w: [],
    i: Array.from({ length: items }, (_, n) => ({
      source: 'held' as const,
      reason: 'unknown-partner' as const,
      hx: n,
      distributorId: `d${n % 7}`,
      program: n % 3 ? 'client' : null,
      rateRow: n % 3 ? 'premium' : null,
      amountAtStakeRub: n % 2 ? `${n}.50` : null,
      fix: 'register-partner' as const,
    })),
  };
}

describe('gzipPart', () => {
  test.each([0, 1, 1999, 2000, 2001, 4500])('with %i items it holds the JSON of the whole part', async (n) => {
    const part = body(n);
    const text = gunzipSync(await gzipPart('abc123', part)).toString('utf8');
    expect(text).toBe(JSON.stringify({ resultHash: 'abc123', workbench: part }));
    expect((JSON.parse(text) as { workbench: WorkbenchBody }).workbench.i).toHaveLength(n);
  });
});
