/**
 * An async map that keeps up to `depth` items in work at once and gives the results in the order
 * of the source: the payout items are compressed in the thread pool while the computation makes
 * the next ones, and their order (and so the batches) stays that of the partners.
 */
export async function* mapAhead<T, U>(source: AsyncIterable<T>, f: (t: T) => Promise<U>, depth: number): AsyncGenerator<U> {
  const pending: Promise<U>[] = [];
  const start = (t: T) => {
    const p = f(t);
    // Awaited in turn below; a failure of one further on must not go unhandled meanwhile.
    p.catch(() => undefined);
    pending.push(p);
  };
  for await (const t of source) {
    start(t);
    if (pending.length >= depth) yield await pending.shift()!;
  }
  while (pending.length) yield await pending.shift()!;
}
