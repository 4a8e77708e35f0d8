/**
 * What `rebates run` does to start sooner, on the real emulators: DynamoDB Local started early and
 * handed to the stack, and a data folder's reference rows written many batches at a time (a
 * folder's acceptances checked by one query instead of conditional transactions), with the same
 * results as before.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { startDynamoLocalEarly, takeEarlyDynamoLocal } from '../../local/early-start.js';
import { startLocalStack } from '../../local/local-stack.js';
import { isAlive } from '../../local/state-files.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { referenceChange, useLocalRuntime } from '../support/runtime.js';

const env = useLocalRuntime();

/** Reference deps whose clock reads `iso` and that compute nothing. */
const at = (iso: string) => ({
  ...env.rt.deps,
  clock: { now: () => new Date(iso) },
  compute: { publish: async () => undefined, evaluate: async () => undefined },
});

describe('a DynamoDB Local started early', () => {
  it('is handed once to the next stack, which uses it and stops it with the rest', async () => {
    startDynamoLocalEarly();
    const early = takeEarlyDynamoLocal();
    expect(early).toBeDefined();
    expect(takeEarlyDynamoLocal()).toBeUndefined();
    const running = await early!;
    const stack = await startLocalStack({ dynamoLocal: early! });
    try {
      expect(stack.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(running.endpoint);
      const table = await stack.clients.dynamo.send(new DescribeTableCommand({ TableName: stack.tableName }));
      expect(table.Table?.TableStatus).toBe('ACTIVE');
    } finally {
      await stack.stop();
    }
    expect(isAlive(running.pid)).toBe(false);
  });
});

describe("a data folder's reference rows", () => {
  it('are all stored when there are many, and a folder of acceptances imported again keeps each first recordedAt', async () => {
    // 1,010 partners: 41 batches, not a multiple of the batches in flight.
    const ids = Array.from({ length: 1010 }, (_, i) => `RS${String(10000 + i)}`);
    const accepting = ids.slice(0, 260);
    const acceptances = accepting.map((partnerId) => ({
      partnerId,
      program: 'client',
      plan: 150,
      acceptedAt: '2016-02-01T10:00:00+03:00',
    }));
    // The same acceptance twice in one folder is one acceptance.
    await importReference(
      at('2016-03-21T08:00:00Z'),
      referenceChange({ partners: ids, acceptances: [...acceptances, acceptances[0]!] }),
    );
    const stored = new Set((await env.rt.deps.reference.listPartners()).map((p) => p.id));
    expect(ids.filter((id) => !stored.has(id))).toEqual([]);

    // Again, later, with a second acceptance for five partners.
    const later = accepting
      .slice(0, 5)
      .map((partnerId) => ({ partnerId, program: 'client', plan: 50, acceptedAt: '2016-03-20T10:00:00+03:00' }));
    await importReference(at('2016-05-01T08:00:00Z'), referenceChange({ acceptances: [...acceptances, ...later] }));

    const snapshot = await env.rt.deps.reference.loadSnapshot();
    const ours = accepting.flatMap((id) => snapshot.acceptances.get(id) ?? []);
    expect(ours).toHaveLength(265);
    const recorded = (plan: number) => [...new Set(ours.filter((a) => a.plan === plan).map((a) => a.recordedAt))];
    expect(recorded(150)).toEqual(['2016-03-21T08:00:00.000Z']);
    expect(recorded(50)).toEqual(['2016-05-01T08:00:00.000Z']);
    expect(ours.filter((a) => a.plan === 50).map((a) => a.partnerId)).toEqual(accepting.slice(0, 5));
  });
});
