/**
 * AsyncQueue (shared/pipeline/async-queue.ts): what the computation pushes while it computes reaches
 * the item writer's consumers once each, in order, and `end` lets them finish.
 */
import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../shared/pipeline/async-queue.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('AsyncQueue', () => {
  it('hands over values pushed before and while a consumer waits, in order, and ends after the last', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const taken: number[] = [];
    const consumer = (async () => {
      for await (const v of q) taken.push(v);
    })();
    await turn();
    q.push(2);
    q.push(3);
    await turn();
    expect(taken).toEqual([1, 2, 3]);
    q.push(4);
    q.end();
    await consumer;
    expect(taken).toEqual([1, 2, 3, 4]);
  });

  it('gives each value to one of several consumers, every value once', async () => {
    const q = new AsyncQueue<number>();
    const taken: number[][] = [[], [], []];
    const consumers = taken.map(async (mine) => {
      const it = q[Symbol.asyncIterator]();
      for (let r = await it.next(); !r.done; r = await it.next()) {
        mine.push(r.value);
        await turn();
      }
    });
    for (let i = 0; i < 100; i++) {
      q.push(i);
      if (i % 7 === 0) await turn();
    }
    q.end();
    await Promise.all(consumers);
    expect(taken.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(taken.filter((t) => t.length > 0).length).toBeGreaterThan(1);
  });

  it('ends a consumer that waits when nothing more comes', async () => {
    const q = new AsyncQueue<string>();
    const done = (async () => {
      const all: string[] = [];
      for await (const v of q) all.push(v);
      return all;
    })();
    await turn();
    q.end();
    await expect(done).resolves.toEqual([]);
  });
});
