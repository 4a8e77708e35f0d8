/**
 * Who uploaded a report version (issue #14, point 2): what an S3 event says of its writer, checked
 * at the edge; an upload URL's user over the S3 writer while the URL was valid; and who the audit
 * trail names.
 */
import { describe, expect, it } from 'vitest';
import { S3Notification, writerOf } from '../../functions/ingest/handler.js';
import type { UploadIntent, UploadLog } from '../../shared/ports/finance.js';
import { resolveUploader, UPLOAD_URL_SECONDS, uploadActor } from '../../shared/pipeline/uploader.js';

const KEY = 'incoming/kvant/q1.csv';

/** An upload log in memory, answering as the DynamoDB one does: the latest request at or before. */
function logOf(...intents: UploadIntent[]): Pick<UploadLog, 'uploaderOf'> {
  return {
    uploaderOf: async (key, at) =>
      intents.filter((i) => i.key === key && i.at <= at).sort((a, b) => (a.at < b.at ? 1 : -1))[0] ?? null,
  };
}

const event = (record: Record<string, unknown>) => ({
  Records: [
    {
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'reports' }, object: { key: 'incoming/kvant/q1.csv', sequencer: '0A1B' } },
      ...record,
    },
  ],
});
const writerIn = (record: Record<string, unknown>) => writerOf(S3Notification.parse(event(record)).Records[0]!);

describe('the writer an S3 event names', () => {
  it('reads the principal, the source address and the write time', () => {
    expect(
      writerIn({
        eventTime: '2016-04-10T09:30:00.123Z',
        userIdentity: { principalId: 'AWS:AROAEXAMPLE:kvant-sync' },
        requestParameters: { sourceIPAddress: '203.0.113.7' },
      }),
    ).toEqual({ writer: { principalId: 'AWS:AROAEXAMPLE:kvant-sync', sourceIp: '203.0.113.7' }, writtenAt: '2016-04-10T09:30:00.123Z' });
  });

  it('names no writer when the event has none, and drops values that name nobody instead of failing the report', () => {
    expect(writerIn({})).toEqual({});
    expect(writerIn({ userIdentity: { principalId: '' }, requestParameters: { sourceIPAddress: '203.0.113.7' } })).toEqual({});
    expect(writerIn({ userIdentity: { principalId: 'AWS:X\nforged line' } })).toEqual({});
    expect(writerIn({ userIdentity: 'nobody' })).toEqual({});
    expect(writerIn({ userIdentity: { principalId: 'AWS:ABC' }, requestParameters: { sourceIPAddress: '<script>' } })).toEqual({
      writer: { principalId: 'AWS:ABC' },
    });
    expect(writerIn({ eventTime: 'yesterday' })).toEqual({});
  });
});

describe('the uploader of a version', () => {
  const at = '2016-04-10T09:30:00.000Z';
  const s3 = { principalId: 'AWS:AROAEXAMPLE:kvant-sync', sourceIp: '203.0.113.7' };
  const minutesBefore = (m: number) => new Date(Date.parse(at) - m * 60_000).toISOString();

  it('is the upload URL’s user when asked for within the URL’s validity, whatever S3 names', async () => {
    const log = logOf({ key: KEY, by: 'distributor dist-kvant', at: minutesBefore(UPLOAD_URL_SECONDS / 60) });
    expect(await resolveUploader(log, KEY, at, s3)).toEqual({ by: 'distributor dist-kvant', via: 'upload-url' });
  });

  it('is the S3 writer when the last upload URL had expired before the write', async () => {
    const log = logOf({ key: KEY, by: 'distributor dist-kvant', at: minutesBefore(UPLOAD_URL_SECONDS / 60 + 1) });
    expect(await resolveUploader(log, KEY, at, s3)).toEqual({ by: s3.principalId, via: 's3', sourceIp: s3.sourceIp });
    // A request for another key, or made after the write, says nothing of this one.
    const other = logOf({ key: 'incoming/kvant/q2.csv', by: 'distributor x', at }, { key: KEY, by: 'distributor y', at: '2016-04-10T09:31:00.000Z' });
    expect(await resolveUploader(other, KEY, at, { principalId: 'AWS:P' })).toEqual({ by: 'AWS:P', via: 's3' });
  });

  it('falls back to the last upload URL request without an S3 writer, and is unknown without either', async () => {
    const log = logOf({ key: KEY, by: 'distributor dist-kvant', at: minutesBefore(600) });
    expect(await resolveUploader(log, KEY, at, undefined)).toEqual({ by: 'distributor dist-kvant', via: 'upload-url' });
    expect(await resolveUploader(logOf(), KEY, at, undefined)).toBeUndefined();
    expect(await resolveUploader(undefined, KEY, at, undefined)).toBeUndefined();
  });

  it('is who the audit trail names: the URL’s user and role, the S3 principal, or the distributor', () => {
    expect(uploadActor({ by: 'distributor dist-kvant', via: 'upload-url' }, 'kvant')).toEqual({ sub: 'dist-kvant', role: 'distributor' });
    expect(uploadActor({ by: s3.principalId, via: 's3', sourceIp: s3.sourceIp }, 'kvant')).toEqual({ sub: s3.principalId, role: 'distributor' });
    expect(uploadActor(undefined, 'kvant')).toEqual({ sub: 'kvant', role: 'distributor' });
  });
});
