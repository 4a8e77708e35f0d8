/**
 * Which of `count` buckets an identifier falls in. DynamoDB (Local above all) charges per item far
 * more than per byte, so rows that are read and written together in bulk (a quarter's payouts, a
 * kind of reference rows) are packed many to an item, by this stable hash of their partner ID. Not
 * cryptographic; stable across versions, since stored items are found by it: never change it.
 */
export function bucketOf(id: string, count: number): number {
  // FNV-1a, 32 bits, over UTF-16 code units.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}
