import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { ObjectStore, StoredObject } from '../../ports/index.js';

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async get(key: string, versionId?: string | null): Promise<StoredObject> {
    const res = await this.s3.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
    );
    if (!res.Body) throw new Error(`S3 returned no body for ${key}`);
    return {
      body: res.Body as Readable,
      size: res.ContentLength ?? 0,
      etag: (res.ETag ?? '').replace(/"/g, ''),
      versionId: res.VersionId && res.VersionId !== 'null' ? res.VersionId : null,
    };
  }

  async getText(key: string): Promise<string> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!res.Body) throw new Error(`S3 returned no body for ${key}`);
    return res.Body.transformToString('utf-8');
  }

  async getBytes(key: string): Promise<Buffer | null> {
    // The SDK retries a failed request, not a body cut off after the headers came: one fresh GET does.
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return res.Body ? Buffer.from(await res.Body.transformToByteArray()) : null;
      } catch (err) {
        if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return null;
        if (attempt === 1 && isCutOff(err)) continue;
        throw err;
      }
    }
  }

  async put(key: string, body: string | Buffer | Iterable<string> | Readable, contentType: string): Promise<void> {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      // Said outright: the SDK measures no empty body, then warns of "a Stream of unknown length".
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: Buffer.byteLength(body),
        }),
      );
      return;
    }
    // Large bodies (a rejects file of a broken million-line report) stream as a multipart upload.
    const stream = body instanceof Readable ? body : Readable.from(body);
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: contentType },
    }).done();
  }

  async delete(key: string): Promise<void> {
    // S3 answers a missing key with success: deleting twice is harmless.
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }
}

/** A response body that ended before its length: the connection was closed mid-transfer. */
function isCutOff(err: unknown): boolean {
  const e = err as { message?: string; code?: string } | null;
  return e?.message === 'aborted' || e?.code === 'ECONNRESET';
}
