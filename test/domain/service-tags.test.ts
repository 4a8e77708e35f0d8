import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTag, normalizeServiceTag, TagIndex } from '../../shared/domain/service-tags.js';

describe('service tags', () => {
  it('are compared upper-cased, without spaces or dashes', () => {
    expect(normalizeServiceTag(' 7xk-2b 1q ')).toBe('7XK2B1Q');
    expect(normalizeServiceTag('   ')).toBeNull();
    expect(normalizeServiceTag(undefined)).toBeNull();
  });

  it('encode exactly, keeping leading zeros apart', () => {
    expect(encodeTag('0ABC')).not.toBe(encodeTag('ABC'));
    expect(encodeTag('ZZZZZZZZZ')).toBeLessThan(Number.MAX_SAFE_INTEGER);
    expect(encodeTag('ZZZZZZZZZZ')).toBeNull();
    expect(encodeTag('AB_C')).toBeNull();
  });

  it('an index finds the first line of each claim, numeric and other tags alike', () => {
    const idx = TagIndex.build([
      { tag: '7XK2B1Q', line: 10 },
      { tag: 'SN-LONG-SERIAL-0001', line: 4 },
      { tag: '0000001', line: 2 },
      { tag: '7XK2B1Q', line: 3 },
    ]);
    expect(idx.lineOf('7XK2B1Q')).toBe(3);
    expect(idx.lineOf('0000001')).toBe(2);
    expect(idx.lineOf('000001')).toBeUndefined();
    expect(idx.lineOf('SN-LONG-SERIAL-0001')).toBe(4);
    expect(idx.lineOf('NOPE123')).toBeUndefined();
  });

  it('survives serialisation, with every tag and line', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ tag: fc.stringMatching(/^[0-9A-Z-]{1,12}$/), line: fc.integer({ min: 2, max: 2_000_000 }) }), {
          maxLength: 200,
        }),
        (claims) => {
          const idx = TagIndex.deserialize(TagIndex.build(claims).serialize());
          for (const c of claims) {
            const first = Math.min(...claims.filter((o) => o.tag === c.tag).map((o) => o.line));
            expect(idx.lineOf(c.tag)).toBe(first);
          }
          expect([...idx.tags()].sort()).toEqual(claims.map((c) => c.tag).sort());
        },
      ),
    );
  });
});
