import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RecalcQueue, RecalcRequest } from '../../ports/index.js';

/** Recalc requests go to a FIFO queue grouped by partner, so one partner is never recalculated twice at once. */
export class SqsRecalcQueue implements RecalcQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(requests: readonly RecalcRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 10) {
      const batch = requests.slice(i, i + 10);
      const res = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((r, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify(r),
            MessageGroupId: `${r.quarter}#${r.partnerId}`,
          })),
        }),
      );
      if (res.Failed?.length)
        throw new Error(`Could not queue ${res.Failed.length} recalculation request(s): ${res.Failed[0]?.Message ?? ''}`);
    }
  }
}
