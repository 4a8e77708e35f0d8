import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { pauseClientsAt, pausePointFrom, PAUSE_POINTS } from '../../local/test-pause.js';
import type { AwsClients } from '../../shared/aws/clients.js';
import { ConfigError } from '../../shared/errors.js';

describe('REBATES_TEST_PAUSE_AT, the kill points of the crash suite', () => {
  it('is inert unless set: no point, and the very same clients', () => {
    expect(pausePointFrom({})).toBeNull();
    expect(pausePointFrom({ REBATES_TEST_PAUSE_AT: '' })).toBeNull();
    const clients = { s3: new S3Client({ region: 'eu-central-1' }) } as unknown as AwsClients;
    expect(pauseClientsAt(null, clients)).toBe(clients);
    clients.s3.destroy();
  });

  it('takes each kill point by name and refuses any other, listing them', () => {
    for (const point of PAUSE_POINTS) expect(pausePointFrom({ REBATES_TEST_PAUSE_AT: point })).toBe(point);
    expect(() => pausePointFrom({ REBATES_TEST_PAUSE_AT: 'mid-lunch' })).toThrow(ConfigError);
    expect(() => pausePointFrom({ REBATES_TEST_PAUSE_AT: 'mid-lunch' })).toThrow(
      'REBATES_TEST_PAUSE_AT=mid-lunch is not a kill point; it takes one of mid-ingest, before-computation, mid-computation, mid-close (tests only: leave it unset).',
    );
  });
});
