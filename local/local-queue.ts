/**
 * An in-process stand-in for an SQS queue feeding a Lambda: delivers SQS-shaped events to the same
 * handler functions that run in AWS, one message per event, retries a failed message (the handler
 * reported it in batchItemFailures, or threw) with backoff, and parks it as a dead letter after
 * `maxReceiveCount` attempts. FIFO mode runs one message at a time per message group, and, like
 * SQS content-based de-duplication, drops a message identical to one still waiting in its group.
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

interface Message {
  id: string;
  body: string;
  group: string | null;
  attempts: number;
}

export interface DeadLetter {
  body: string;
  attempts: number;
  error: string;
}

export interface LocalQueueOptions {
  fifo?: boolean;
  /**
   * FIFO only: a message whose group already has one waiting (not yet started) is dropped, whatever
   * its body. Right when a message means "bring this group up to date" — a recalculation reads the
   * current state, so one run after the last change covers every request made before it started.
   */
  coalesceGroups?: boolean;
  concurrency?: number;
  /** While this answers true no message starts; `resume()` re-checks once it may be false. */
  holdWhile?: () => boolean;
  maxReceiveCount?: number;
  retryDelayMs?: number;
  onError?: (err: unknown, body: string, attempt: number) => void;
}

const lambdaContext = (name: string): Context =>
  ({
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

export class LocalQueue {
  private readonly waiting: Message[] = [];
  private readonly busyGroups = new Set<string>();
  private running = 0;
  private delayed = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  readonly deadLetters: DeadLetter[] = [];
  /** Messages finished for good (handled, or parked as dead letters): with `pending`, a progress figure. */
  completed = 0;
  private readonly opts: Required<Omit<LocalQueueOptions, 'onError' | 'holdWhile'>> &
    Pick<LocalQueueOptions, 'onError' | 'holdWhile'>;

  constructor(
    readonly name: string,
    private readonly handler: SqsHandler,
    options: LocalQueueOptions = {},
  ) {
    this.opts = {
      fifo: false,
      coalesceGroups: false,
      concurrency: 2,
      maxReceiveCount: 3,
      retryDelayMs: 200,
      ...options,
    };
  }

  /**
   * Delivers nothing more, as a stopped process would: messages still waiting are dropped (a
   * restart finds their work from the stored state), and a running delivery is left to end.
   */
  close(): void {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.waiting.length = 0;
    this.delayed = 0;
    this.pump(); // wakes idle() waiters once nothing runs
  }

  send(body: string, group: string | null = null): void {
    if (this.closed) return;
    const same = (m: Message) => m.group === group && (this.opts.coalesceGroups || m.body === body);
    if (this.opts.fifo && this.waiting.some(same)) return;
    this.waiting.push({ id: randomUUID(), body, group, attempts: 0 });
    this.pump();
  }

  get pending(): number {
    return this.waiting.length + this.running + this.delayed;
  }

  /** Resolves when nothing is waiting, running or scheduled for retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts what waits, e.g. after the condition of `holdWhile` changed. */
  resume(): void {
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running < this.opts.concurrency && !this.opts.holdWhile?.()) {
      const i = this.waiting.findIndex((m) => !this.opts.fifo || !m.group || !this.busyGroups.has(m.group));
      if (i < 0) break;
      const [msg] = this.waiting.splice(i, 1) as [Message];
      this.running++;
      if (this.opts.fifo && msg.group) this.busyGroups.add(msg.group);
      void this.deliver(msg);
    }
    if (this.pending === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async deliver(msg: Message): Promise<void> {
    msg.attempts++;
    let error: unknown = null;
    try {
      const res = await this.handler(this.eventOf(msg), lambdaContext(this.name));
      if (res && res.batchItemFailures.some((f) => f.itemIdentifier === msg.id))
        error = new Error('the handler reported this message as failed');
    } catch (err) {
      // Powertools wraps "every record failed" around the real errors; each event here holds one message.
      const inner = (err as { recordErrors?: unknown[] } | null)?.recordErrors;
      error = inner?.length === 1 ? inner[0] : err;
    }
    this.running--;
    if (this.opts.fifo && msg.group) this.busyGroups.delete(msg.group);
    if (!error) this.completed++;
    if (error) {
      this.opts.onError?.(error, msg.body, msg.attempts);
      if (msg.attempts >= this.opts.maxReceiveCount) {
        this.completed++;
        this.deadLetters.push({
          body: msg.body,
          attempts: msg.attempts,
          error: String((error as Error).message ?? error),
        });
      } else {
        // Like a visibility timeout: the message comes back later, and its group waits for it.
        this.delayed++;
        if (this.opts.fifo && msg.group) this.busyGroups.add(msg.group);
        const timer = setTimeout(
          () => {
            this.retryTimers.delete(timer);
            this.delayed--;
            if (this.opts.fifo && msg.group) this.busyGroups.delete(msg.group);
            this.waiting.unshift(msg);
            this.pump();
          },
          this.opts.retryDelayMs * 2 ** (msg.attempts - 1),
        );
        this.retryTimers.add(timer);
      }
    }
    this.pump();
  }

  private eventOf(msg: Message): SQSEvent {
    return {
      Records: [
        {
          messageId: msg.id,
          receiptHandle: msg.id,
          body: msg.body,
          attributes: {
            ApproximateReceiveCount: String(msg.attempts),
            SentTimestamp: String(Date.now()),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
            ...(msg.group
              ? { MessageGroupId: msg.group, MessageDeduplicationId: msg.id, SequenceNumber: '0' }
              : {}),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:local:000000000000:${this.name}`,
          awsRegion: 'local',
        },
      ],
    };
  }
}
