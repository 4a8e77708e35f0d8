/**
 * Sums of amounts without floating point: amounts are decimal strings with 2 places ("1155.00",
 * "-12.50"), added as whole kopecks in BigInt and turned back into the same string form.
 */

export function toKopecks(amount) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount).trim());
  if (!m) throw new Error(`Not an amount: ${amount}`);
  const k = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -k : k;
}

export function fromKopecks(k) {
  const sign = k < 0n ? '-' : '';
  const abs = k < 0n ? -k : k;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** The sum of `items`' amounts (as picked by `amountOf`), as a 2-place decimal string. */
export function sumAmounts(items, amountOf = (x) => x) {
  return fromKopecks(items.reduce((sum, x) => sum + toKopecks(amountOf(x)), 0n));
}

/** Totals by key, largest first: [{ key, amount }]. */
export function totalsBy(lines, keyOf) {
  const sums = new Map();
  for (const l of lines) sums.set(keyOf(l), (sums.get(keyOf(l)) ?? 0n) + toKopecks(l.amount));
  return [...sums]
    .sort((a, b) => (a[1] === b[1] ? String(a[0]).localeCompare(String(b[0])) : a[1] < b[1] ? 1 : -1))
    .map(([key, k]) => ({ key, amount: fromKopecks(k) }));
}
