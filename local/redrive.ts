/**
 * Durable local work (issue #13, point 4): the local queues live in memory, so a process killed
 * mid-ingest or mid-computation loses its messages. At start the S3 objects are the source of
 * truth: every report object whose record is missing (uploaded while the process was down, or cut
 * off while read: ingest writes the record only at the end), names another version (replaced while
 * down, or its reading cut off) or is not in a final state (left by older versions) is sent to ingest again, as its
 * S3 notification would be; then every quarter with rules is asked to compute, which does nothing
 * when its inputs are those of its last computation. In AWS the SQS redrive and the DLQ alarm do
 * this job. A close killed after its record but before its last ledger entry is finished too: the
 * ledger of every closed quarter is brought to its stored points (in AWS the close's computation
 * request does it: `finishCredits`).
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { reportIdOf } from '../shared/pipeline/ingest.js';
import { creditPoints, type QuarterDeps } from '../shared/pipeline/quarters.js';
import type { ComputeQueue, ReportsRepository } from '../shared/ports/index.js';
import { PREFIX } from '../shared/storage-contract.js';
import { encodeS3EventKey, LOCAL_REGION, type LocalS3EventRecord } from './local-stack.js';

export interface RedriveDeps {
  s3: S3Client;
  bucket: string;
  reports: ReportsRepository;
  compute: ComputeQueue;
  quarters: readonly string[];
  isReportKey: (key: string) => boolean;
  nextSequencer: () => string;
  /** Queues one notification for ingest. */
  sendToIngest: (record: LocalS3EventRecord) => void;
  /** To finish the ledger credits of closed quarters; without it they are left as they are. */
  points?: Pick<QuarterDeps, 'quarters' | 'payouts' | 'reference' | 'ledger'>;
}

export interface RedriveSummary {
  /**
   * Keys whose report had no record or another version: uploaded while the process was down, or
   * read when it stopped (a record is written only once its version is read).
   */
  uploadedWhileDown: string[];
  /** Keys whose report was left received or processing (by versions that wrote a record before reading). */
  unfinished: string[];
  /** Closed quarters whose ledger lacked credits (a close that did not finish), with the entries written. */
  creditsFinished?: { quarter: string; entries: number }[];
}

interface ListedObject {
  key: string;
  etag: string;
  size: number;
}

async function listIncoming(s3: S3Client, bucket: string): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PREFIX.incoming, ContinuationToken }));
    for (const o of page.Contents ?? [])
      if (o.Key) out.push({ key: o.Key, etag: (o.ETag ?? '').replace(/"/g, ''), size: o.Size ?? 0 });
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return out;
}

/** The notification S3 would have sent for the object (the key encoded as S3 encodes it). */
export function notificationOf(
  bucket: string,
  object: ListedObject & { versionId: string | null; sequencer: string },
): LocalS3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: LOCAL_REGION,
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    // Sent again for an object written while down: who wrote it is not known, so none is named.
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'redrive', 'x-amz-id-2': 'redrive' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'redrive',
      bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeS3EventKey(object.key),
        size: object.size,
        eTag: object.etag,
        ...(object.versionId ? { versionId: object.versionId } : {}),
        sequencer: object.sequencer,
      },
    },
  };
}

export async function redrive(deps: RedriveDeps): Promise<RedriveSummary> {
  const summary: RedriveSummary = { uploadedWhileDown: [], unfinished: [] };
  // Before anything is sent to ingest or compute: a closed quarter's computation credits the
  // ledger too, and two writers of the same partner's next entry would collide.
  for (const quarter of deps.points ? deps.quarters : []) {
    const record = await deps.points!.quarters.get(quarter);
    if (record?.status !== 'closed') continue;
    // Every closed quarter, flagged or not: a record written before the flag existed says nothing.
    const entries = await creditPoints(deps.points!, quarter, record.closedAt);
    if (record.creditsComplete === false) await deps.points!.quarters.markCreditsComplete(quarter);
    if (entries > 0) (summary.creditsFinished ??= []).push({ quarter, entries });
  }
  const objects = (await listIncoming(deps.s3, deps.bucket)).filter((o) => deps.isReportKey(o.key));
  // A few reads at a time: DynamoDB Local shares two cores with everything else.
  for (let i = 0; i < objects.length; i += 16) {
    const batch = objects.slice(i, i + 16);
    const records = await Promise.all(batch.map((o) => deps.reports.get(reportIdOf(o.key))));
    batch.forEach((o, j) => {
      const record = records[j];
      if (!record || record.etag !== o.etag) {
        // A fresh sequencer orders it after the version the record knows, as its own upload would be.
        summary.uploadedWhileDown.push(o.key);
        deps.sendToIngest(notificationOf(deps.bucket, { ...o, versionId: null, sequencer: deps.nextSequencer() }));
      } else if (record.status === 'received' || record.status === 'processing') {
        // The same version with its own sequencer: ingest takes it up again (an equal sequencer
        // of a record not in a final state is taken up), and a newer upload meanwhile still wins.
        summary.unfinished.push(o.key);
        deps.sendToIngest(
          notificationOf(deps.bucket, { ...o, versionId: record.objectVersionId, sequencer: record.sequencer }),
        );
      }
    });
  }
  await deps.compute.publish(
    deps.quarters.map((quarter) => ({ quarter, cause: 'start-up: bring the quarter up to date after a restart' })),
  );
  return summary;
}
