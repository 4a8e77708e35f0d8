/**
 * The S3 object store's reads when a body is cut off after the headers came (a fault the emulator
 * shows only under load): the SDK does not retry that, so the store asks once more.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../shared/adapters/s3/object-store.js';

/** A client whose GetObject answers come from `bodies` in turn: bytes, or an error while reading. */
function clientAnswering(bodies: (string | Error)[]) {
  let calls = 0;
  const client = {
    send: async () => {
      const next = bodies[calls++];
      if (next === undefined) throw new Error('no more answers');
      return {
        Body: {
          transformToByteArray: async () => {
            if (next instanceof Error) throw next;
            return new TextEncoder().encode(next);
          },
        },
      };
    },
  };
  return { client: client as unknown as S3Client, calls: () => calls };
}

const cutOff = () => Object.assign(new Error('aborted'), { code: 'ECONNRESET' });

describe('S3ObjectStore.getBytes', () => {
  it('reads the object again when the first body is cut off', async () => {
    const { client, calls } = clientAnswering([cutOff(), 'whole object']);
    const bytes = await new S3ObjectStore(client, 'b').getBytes('computations/2016-Q1/x.json.gz');
    expect(bytes?.toString()).toBe('whole object');
    expect(calls()).toBe(2);
  });

  it('gives up after the second cut-off read, and never retries other errors', async () => {
    const twice = clientAnswering([cutOff(), cutOff(), 'never read']);
    await expect(new S3ObjectStore(twice.client, 'b').getBytes('k')).rejects.toThrow('aborted');
    expect(twice.calls()).toBe(2);

    const denied = clientAnswering([Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }), 'x']);
    await expect(new S3ObjectStore(denied.client, 'b').getBytes('k')).rejects.toThrow('Access Denied');
    expect(denied.calls()).toBe(1);
  });
});
