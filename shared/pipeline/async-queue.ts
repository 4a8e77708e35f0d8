/**
 * Values handed from a producer to an async consumer as they are made: the quarter computation
 * pushes payout items while it computes the rest, and the item writer takes them as its request
 * slots free up (`for await`). `end` finishes the consumer's loop once what was pushed is taken;
 * nothing is pushed after it.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly values: T[] = [];
  private head = 0;
  private readonly waiting: ((r: IteratorResult<T, undefined>) => void)[] = [];
  private ended = false;

  push(value: T): void {
    const taker = this.waiting.shift();
    if (taker) taker({ value, done: false });
    else this.values.push(value);
  }

  end(): void {
    this.ended = true;
    for (const taker of this.waiting.splice(0)) taker({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => {
        if (this.head < this.values.length) {
          const value = this.values[this.head]!;
          // Taken values are let go, so a long queue does not keep every item alive.
          this.values[this.head++] = undefined as T;
          return Promise.resolve({ value, done: false });
        }
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiting.push(resolve));
      },
    };
  }
}
