/**
 * An independent check of an S3 presigned URL (SigV4 query authentication), written from the AWS
 * specification rather than with the SDK or the local S3's own check (local/s3-sigv4.ts), so tests
 * show what S3 itself enforces: the signature covers the method and the key.
 */
import { createHash, createHmac } from 'node:crypto';

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function presignedUrlIsValid(method: string, url: string, secretAccessKey: string): boolean {
  const u = new URL(url);
  const q = u.searchParams;
  const signature = q.get('X-Amz-Signature');
  const credential = q.get('X-Amz-Credential');
  const amzDate = q.get('X-Amz-Date');
  const signedHeaders = q.get('X-Amz-SignedHeaders');
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !signature || !credential || !amzDate || !signedHeaders) return false;
  const [, date, region, service] = credential.split('/');
  if (!date || !region || !service) return false;

  // S3 encodes each path segment once, with '/' kept.
  const canonicalUri = u.pathname
    .split('/')
    .map((seg) => rfc3986(decodeURIComponent(seg)))
    .join('/');
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders.split(';');
  if (headers.join() !== 'host') return false; // presigned URLs from our API sign the host only
  const canonicalRequest = [method, canonicalUri, canonicalQuery, `host:${u.host}\n`, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return hmac(key, stringToSign).toString('hex') === signature;
}
