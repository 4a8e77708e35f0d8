import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RecalcQueue, RecalcRequest } from '../../ports/index.js';

/** Recalc requests go to a FIFO queue grouped by partner, so one partner is never recalculated twice at once. */
export class SqsRecalcQueue implements RecalcQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async publish(requests: readonly RecalcRequest[]): Promise<void> {
    // An explicit de-duplication ID per publish: content-based de-duplication would drop a second,
    // identical-looking request within five minutes (a re-upload, a second import), leaving stale
    // payouts. The SDK's own retries of this call reuse the ID, so those are still de-duplicated.
    const at = this.now();
    for (let i = 0; i < requests.length; i += 10) {
      const batch = requests.slice(i, i + 10);
      const res = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((r, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(r),
            MessageGroupId: `${r.quarter}#${r.partnerId}`,
            MessageDeduplicationId: createHash('sha256')
              .update(`${r.quarter}#${r.partnerId}#${r.cause}#${at}`)
              .digest('hex'),
          })),
        }),
      );
      if (res.Failed?.length)
        throw new Error(`Could not queue ${res.Failed.length} recalculation request(s): ${res.Failed[0]?.Message ?? ''}`);
    }
  }
}
