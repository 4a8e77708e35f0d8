/** An SQS event of one message with `body`, as the queue hands it to a handler (ingest's here). */
import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';

export function sqsEvent(body: string): SQSEvent {
  const id = randomUUID();
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: id,
        receiptHandle: id,
        body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'test', ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:ingest',
        awsRegion: 'local',
      },
    ],
  };
}
