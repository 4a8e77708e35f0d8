import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '../../local/local-queue.js';

function recorder() {
  const seen: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const handler = async (event: SQSEvent) => {
    const body = event.Records[0]!.body;
    seen.push(body);
    if (body === 'first') await gate;
    return { batchItemFailures: [] };
  };
  return { seen, handler, release: () => release() };
}

describe('the local stand-in for an SQS FIFO queue', () => {
  it('coalesces requests for a group that already has one waiting, when told to', async () => {
    const r = recorder();
    const q = new LocalQueue('recalc', r.handler, { fifo: true, coalesceGroups: true });
    q.send('first', 'P1');
    q.send('second', 'P1'); // waits behind "first"
    q.send('third', 'P1'); // dropped: "second" will read the latest state anyway
    q.send('other', 'P2');
    r.release();
    await q.idle();
    expect(r.seen.sort()).toEqual(['first', 'other', 'second']);
  });

  it('otherwise drops only identical bodies, like content-based de-duplication', async () => {
    const r = recorder();
    const q = new LocalQueue('q', r.handler, { fifo: true });
    q.send('first', 'P1');
    q.send('second', 'P1');
    q.send('second', 'P1');
    q.send('third', 'P1');
    r.release();
    await q.idle();
    expect(r.seen).toEqual(['first', 'second', 'third']);
  });

  it('retries a failing message, then parks it as a dead letter', async () => {
    let calls = 0;
    const q = new LocalQueue(
      'q',
      async () => {
        calls++;
        throw new Error('boom');
      },
      { maxReceiveCount: 3, retryDelayMs: 1 },
    );
    q.send('x');
    await q.idle();
    expect(calls).toBe(3);
    expect(q.deadLetters).toEqual([{ body: 'x', attempts: 3, error: 'boom' }]);
  });

  it('once closed, delivers nothing more: no waiting message, no retry, no new send', async () => {
    const r = recorder();
    const q = new LocalQueue('q', r.handler, { concurrency: 1 });
    q.send('first'); // running, held at the gate
    q.send('second'); // waiting
    q.close();
    q.send('third');
    r.release();
    await q.idle();
    expect(r.seen).toEqual(['first']);

    let calls = 0;
    const failing = new LocalQueue(
      'f',
      async () => {
        calls++;
        throw new Error('boom');
      },
      { retryDelayMs: 20 },
    );
    failing.send('x');
    await new Promise((res) => setTimeout(res, 5)); // the first attempt has failed; its retry is scheduled
    failing.close();
    await failing.idle();
    await new Promise((res) => setTimeout(res, 60));
    expect(calls).toBe(1);
    expect(failing.deadLetters).toEqual([]);
  });

  it('starts nothing while held, then runs one coalesced message per group once resumed', async () => {
    const r = recorder();
    let busy = true;
    const q = new LocalQueue('compute', r.handler, { fifo: true, coalesceGroups: true, holdWhile: () => busy });
    q.send('after report 1', '2016-Q1');
    q.send('after report 2', '2016-Q1');
    q.send('after report 1', '2016-Q2');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.seen).toEqual([]);
    expect(q.pending).toBe(2);
    q.resume(); // still held: a resume does not override the condition
    expect(r.seen).toEqual([]);
    busy = false;
    q.resume();
    await q.idle();
    expect(r.seen.sort()).toEqual(['after report 1', 'after report 1']);
  });
});
