/**
 * AWS Signature Version 4 checks for the local S3 (s3rver): s3rver verifies only the old V2
 * signatures and lets unsigned requests through as anonymous, so without this any process on the
 * machine, or a web page in its browser, could write reports. Every request must carry a valid V4
 * signature made with the stack's own credentials (random per start), in the Authorization header
 * or as a presigned URL's query; only a CORS preflight, which a browser sends without credentials,
 * passes unsigned. Written from the AWS specification (`docs.aws.amazon.com/IAM/latest/UserGuide/
 * reference_sigv-create-signed-request.html`), not with the SDK, whose signer it checks.
 *
 * What it does not check: the body against `x-amz-content-sha256` (S3 would; the signature still
 * covers the declared hash, and the emulator listens on the loopback interface only).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The request target as received: raw path and query. */
  url: string;
  headers: IncomingHttpHeaders;
}

/** How far a header-signed request's clock may be from ours, as S3 allows. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** S3's longest presigned URL: seven days. */
const MAX_EXPIRES_S = 7 * 24 * 3600;

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** `20160201T100000Z` as an instant, or null. */
function amzDate(s: string | undefined): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : null;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Null when the request is signed with these credentials; otherwise why not, in plain words. */
export function sigV4Problem(req: SignedRequest, creds: LocalCredentials, now: Date): string | null {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const params: [string, string][] = [];
  for (const pair of (q < 0 ? '' : req.url.slice(q + 1)).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    const v = decode(eq < 0 ? '' : pair.slice(eq + 1));
    if (k === null || v === null) return 'the query string is not valid percent-encoding';
    params.push([k, v]);
  }
  const query = new Map(params);
  const authorization = single(req.headers.authorization);

  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  let date: string | undefined;
  let payload: string;
  let signedParams = params;
  if (authorization !== undefined) {
    if (query.has('X-Amz-Signature')) return 'a request is signed in the header or the query, not both';
    const m = /^AWS4-HMAC-SHA256 +Credential=([^, ]+), *SignedHeaders=([^, ]+), *Signature=([0-9a-f]{64})$/.exec(
      authorization.trim(),
    );
    if (!m) return 'the Authorization header is not an AWS Signature Version 4 header';
    [, credential, signedHeaders, signature] = m;
    date = single(req.headers['x-amz-date']);
    const at = amzDate(date);
    if (at === null) return 'the x-amz-date header is missing or malformed';
    if (Math.abs(now.getTime() - at) > MAX_SKEW_MS) return 'the request was signed more than 15 minutes from now';
    payload = single(req.headers['x-amz-content-sha256']) ?? '';
    if (!payload) return 'the x-amz-content-sha256 header is missing';
  } else if (query.has('X-Amz-Signature')) {
    if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'the presigned URL is not AWS Signature Version 4';
    credential = query.get('X-Amz-Credential');
    signedHeaders = query.get('X-Amz-SignedHeaders');
    signature = query.get('X-Amz-Signature');
    date = query.get('X-Amz-Date');
    const at = amzDate(date);
    const expires = Number(query.get('X-Amz-Expires'));
    if (at === null || !Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_S)
      return 'the presigned URL has no valid X-Amz-Date and X-Amz-Expires';
    if (now.getTime() > at + expires * 1000) return 'the presigned URL has expired';
    if (now.getTime() < at - MAX_SKEW_MS) return 'the presigned URL is dated in the future';
    payload = query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
    signedParams = params.filter(([k]) => k !== 'X-Amz-Signature');
  } else {
    return 'the request is not signed; the local S3 takes only requests signed with the stack’s credentials';
  }
  if (!credential || !signedHeaders || !signature || !date) return 'the signature is incomplete';

  const [accessKeyId, day, region, service, terminator, ...rest] = credential.split('/');
  if (rest.length || terminator !== 'aws4_request' || !day || !region || service !== 's3' || day !== date.slice(0, 8))
    return 'the credential scope is malformed';
  if (accessKeyId !== creds.accessKeyId) return 'the access key is not this stack’s';

  const names = signedHeaders.split(';');
  if (!names.includes('host')) return 'the signature does not cover the host header';
  const canonicalHeaders = names
    .map((name) => {
      const value = single(req.headers[name]) ?? '';
      return `${name}:${value.trim().replace(/ +/g, ' ')}\n`;
    })
    .join('');
  const canonicalQuery = signedParams
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const scope = `${day}/${region}/s3/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), region), 's3'), 'aws4_request');
  const expected = Buffer.from(signature, 'hex');
  // S3 signs the path as the client encoded it; a browser may re-encode, so the canonical form counts too.
  const canonicalPath = rawPath
    .split('/')
    .map((seg) => rfc3986(decode(seg) ?? seg))
    .join('/');
  for (const path of new Set([rawPath, canonicalPath])) {
    const request = [req.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payload].join('\n');
    const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(request)].join('\n');
    const actual = hmac(key, toSign);
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return null;
  }
  return 'the signature does not match; sign with the credentials of this stack';
}

interface KoaContext {
  method: string;
  originalUrl: string;
  headers: IncomingHttpHeaders;
  status: number;
  body: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** s3rver middleware: a request without a valid V4 signature gets S3's 403 AccessDenied. */
export function requireSigV4(creds: LocalCredentials, clock: () => Date = () => new Date()): KoaMiddleware {
  return async (ctx, next) => {
    // A browser's CORS preflight carries no credentials; s3rver answers it from the bucket's rules.
    if (ctx.method === 'OPTIONS') return next();
    const problem = sigV4Problem({ method: ctx.method, url: ctx.originalUrl, headers: ctx.headers }, creds, clock());
    if (problem === null) return next();
    ctx.status = 403;
    // s3rver's outer middleware writes a plain object body as S3's XML error.
    ctx.body = { Error: { Code: 'AccessDenied', Message: `Access denied: ${problem}.` } };
  };
}
