/**
 * Whether two values have the same JSON text, without writing it: `JSON.stringify(a) ===
 * JSON.stringify(b)`, key order included, for the plain data of results (objects, arrays, strings,
 * numbers, booleans, null, and values with toJSON such as Decimal). The payout's lean form asks this
 * several times per line; writing both texts each time was a third of its cost.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = jsonValue(a);
  const y = jsonValue(b);
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return skipped(x) && skipped(y);
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) {
    const ys = y as unknown[];
    if (x.length !== ys.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(inArray(x[i]), inArray(ys[i]))) return false;
    return true;
  }
  const xo = x as Record<string, unknown>;
  const yo = y as Record<string, unknown>;
  // Walked side by side, skipping what JSON leaves out, rather than filtered into new arrays: this
  // runs for every point and line of a quarter, and the arrays were much of its garbage.
  const xk = Object.keys(xo);
  const yk = Object.keys(yo);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < xk.length && skipped(xo[xk[i]!])) i++;
    while (j < yk.length && skipped(yo[yk[j]!])) j++;
    if (i === xk.length || j === yk.length) return i === xk.length && j === yk.length;
    if (xk[i] !== yk[j] || !sameJson(xo[xk[i]!], yo[yk[j]!])) return false;
    i++;
    j++;
  }
}

/** What JSON.stringify writes for a value: its toJSON's, and null for a number that is not finite. */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
    return jsonValue((v as { toJSON: (key: string) => unknown }).toJSON(''));
  return v;
}

/** Left out of an object's JSON (and written as null in an array's). */
const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

const inArray = (v: unknown) => (skipped(v) ? null : v);
