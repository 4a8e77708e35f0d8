/**
 * The audit trail is read one monthly partition at a time: the months of a range, newest first,
 * across a year's end, and none outside it.
 */
import { describe, expect, it } from 'vitest';
import { monthsBetween } from '../../shared/adapters/dynamo/approvals.js';

describe('monthsBetween', () => {
  it('lists the UTC months of a range newest first, across the year end', () => {
    expect(monthsBetween('2025-11-30T21:00:00.000Z', '2026-02-01T00:00:00.000Z')).toEqual([
      '2026-02',
      '2026-01',
      '2025-12',
      '2025-11',
    ]);
  });

  it('gives the one month of a range within it, and nothing for a range that ends before it starts', () => {
    expect(monthsBetween('2026-03-01T00:00:00.000Z', '2026-03-31T23:59:59.999Z')).toEqual(['2026-03']);
    expect(monthsBetween('2026-04-01T00:00:00.000Z', '2026-03-31T23:59:59.999Z')).toEqual([]);
  });

  it('reads twelve or thirteen partitions for a year, never more', () => {
    const months = monthsBetween('2025-12-06T10:00:00.000Z', '2026-12-06T10:00:00.000Z');
    expect(months).toHaveLength(13);
    expect(months[0]).toBe('2026-12');
    expect(months.at(-1)).toBe('2025-12');
  });
});
