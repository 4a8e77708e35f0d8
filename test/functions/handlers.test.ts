import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/handler.js';
import { createComputeHandler } from '../../functions/compute/handler.js';

const context = { functionName: 'test', awsRequestId: 'r1' } as unknown as Context;
const event = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `h${i}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: `g${i}`,
      MessageDeduplicationId: `d${i}`,
      SequenceNumber: String(i),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:1:q',
    awsRegion: 'eu-central-1',
  })),
});
const untouchable = () => {
  throw new Error('the handler must not reach the pipeline for this message');
};

describe('the ingest handler at its edge', () => {
  it('acknowledges S3’s test event without touching anything', async () => {
    const handler = createIngestHandler(untouchable);
    await expect(
      handler(event(JSON.stringify({ Event: 's3:TestEvent', Bucket: 'b' })), context),
    ).resolves.toEqual({
      batchItemFailures: [],
    });
  });

  it('reports a message that is not JSON or not an S3 notification as failed, and only that one', async () => {
    const handler = createIngestHandler(untouchable);
    const res = await handler(
      event(
        'not json',
        JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] }),
        JSON.stringify({ Event: 's3:TestEvent' }),
      ),
      context,
    );
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }]);
  });
});

describe('the compute handler at its edge', () => {
  it('refuses a request without a valid quarter; a batch where every message failed fails whole, so SQS retries it', async () => {
    const handler = createComputeHandler(untouchable);
    await expect(handler(event(JSON.stringify({ quarter: '2016Q1', cause: 'x' })), context)).rejects.toThrow(
      /All records failed/,
    );
  });

  it('refuses an evaluation request whose approval ID is not one, before reaching the pipeline', async () => {
    let reached = false;
    const handler = createComputeHandler(() => {
      reached = true;
      throw new Error('the handler must not reach the pipeline for this message');
    });
    await expect(handler(event(JSON.stringify({ evaluate: 'apr_not-hex' })), context)).rejects.toThrow(
      /All records failed/,
    );
    expect(reached).toBe(false);
  });
});
