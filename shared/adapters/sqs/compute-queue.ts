import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ComputeQueue, ComputeRequest } from '../../ports/index.js';

/**
 * Computation requests go to a FIFO queue with one message group per quarter, so a quarter is
 * never computed twice at once; a request that finds nothing changed does nothing (compute.ts).
 */
export class SqsComputeQueue implements ComputeQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async publish(requests: readonly ComputeRequest[]): Promise<void> {
    // An explicit de-duplication ID per publish: content-based de-duplication would drop a second,
    // identical-looking request within five minutes, leaving the quarter stale. The SDK's own
    // retries of this call reuse the ID, so those are still de-duplicated.
    const at = this.now();
    for (let i = 0; i < requests.length; i += 10) {
      const batch = requests.slice(i, i + 10);
      const res = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((r, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(r),
            MessageGroupId: r.quarter,
            MessageDeduplicationId: createHash('sha256').update(`${r.quarter}#${r.cause}#${at}`).digest('hex'),
          })),
        }),
      );
      if (res.Failed?.length)
        throw new Error(`Could not queue ${res.Failed.length} computation request(s): ${res.Failed[0]?.Message ?? ''}`);
    }
  }

  async evaluate(approvalId: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ evaluate: approvalId }),
        // Its own group: it waits behind no quarter's computation and is never merged with one.
        MessageGroupId: `evaluate-${approvalId}`,
        MessageDeduplicationId: createHash('sha256').update(`evaluate#${approvalId}`).digest('hex'),
      }),
    );
  }
}
