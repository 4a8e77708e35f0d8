/**
 * The local stand-in for API Gateway: a node:http server that checks the bearer dev token (as the
 * JWT authorizer would check Cognito's), builds the HTTP API v2 event API Gateway would send, and
 * calls the very handler the Lambda runs. Everything else it serves is the dashboard in `web/`, with
 * the `config.json` that CloudFront serves beside it in AWS.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { verifyDevToken } from '../shared/auth/dev-token.js';
import type { Claims } from '../shared/auth/principal.js';
import { BadRequestTargetError, PayloadTooLargeError, toUserError, UnauthorizedError } from '../shared/errors.js';
import { createApiHandler, type ApiEvent } from '../functions/api/handler.js';
import { languageOf } from '../functions/api/language.js';
import type { Lang } from '../shared/domain/render/format.js';
import type { ApiDeps } from '../functions/api/http.js';
import { devTokenSecret, PROJECT_ROOT } from './state-files.js';

export const DEFAULT_WEB_DIR = join(PROJECT_ROOT, 'web');
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * The dashboard's `/config.json` here: the API under `/api` of the same origin and no Cognito
 * settings, so the page offers dev-token log-in (infra/stateless-stack.ts writes the AWS one).
 */
export const LOCAL_DASHBOARD_CONFIG = { stage: 'local', apiUrl: '/api' } as const;
// Where a command beside `up` finds it without loading the server.
export { devTokenSecret } from './state-files.js';

export interface ApiServerOptions {
  port: number;
  host?: string;
  deps: ApiDeps;
  /** Where the dev-token secret lives (the same folder `rebates token` reads). */
  stateDir: string;
  webDir?: string;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** API Gateway hands JWT claims to the Lambda as strings; arrays become "[a b]". */
function apiGatewayClaims(claims: Claims): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
  );
}

/** Text bodies API Gateway passes as they are; everything else (CSV uploads too) arrives base64-encoded. */
const isTextBody = (type: string | undefined) => !!type && /^application\/([\w.+-]+\+)?json\b/i.test(type);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES)
    throw new PayloadTooLargeError(`The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`, {
      key: 'payload-too-large',
      params: { mb: MAX_BODY_BYTES / 1024 / 1024 },
    });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new PayloadTooLargeError(`The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`, {
      key: 'payload-too-large',
      params: { mb: MAX_BODY_BYTES / 1024 / 1024 },
    });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

// A fixed origin, never the Host header: the path is all the server routes on, and a client's
// Host (`127.0.0.1:99999`, empty, garbage) must not decide whether a request can be read.
const ORIGIN = 'http://local.invalid';

/**
 * The URL of a request target: origin form (`/api/x?y`, also `//` and `/..`) or the absolute form
 * a proxy sends. Anything else is a 400, never an exception out of the listener.
 */
export function requestUrl(target: string | undefined): URL {
  const raw = target ?? '/';
  try {
    if (raw.startsWith('/')) {
      // Concatenated, not resolved: `//evil/x` is a path here, not another host.
      const url = new URL(ORIGIN + raw);
      if (url.origin === ORIGIN) return url;
    } else if (/^https?:\/\//i.test(raw)) {
      const absolute = new URL(raw);
      return new URL(ORIGIN + absolute.pathname + absolute.search);
    }
  } catch (cause) {
    throw new BadRequestTargetError(`The request path cannot be read; send a path that starts with /.`, [], {
      cause,
      key: 'bad-request-target',
    });
  }
  throw new BadRequestTargetError('The request path cannot be read; send a path that starts with /.', [], {
    key: 'bad-request-target',
  });
}

export function buildEvent(req: IncomingMessage, url: URL, body: Buffer, claims: Claims): ApiEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  const text = isTextBody(headers['content-type']);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: apiGatewayClaims(claims), scopes: [] },
      },
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

function sendError(res: ServerResponse, err: unknown, lang: Lang): void {
  const { status, ...error } = toUserError(err, lang);
  if (status >= 500) console.error(err);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-language': lang,
    // The rest of an oversized body is not read: the connection cannot be reused.
    ...(err instanceof PayloadTooLargeError ? { connection: 'close' } : {}),
  });
  res.end(JSON.stringify({ error }));
}

async function serveStatic(res: ServerResponse, method: string, url: URL, webDir: string): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('Only GET and HEAD here.\n');
    return;
  }
  if (url.pathname === '/config.json') {
    const body = JSON.stringify(LOCAL_DASHBOARD_CONFIG);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES['.json']!,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-cache',
    });
    res.end(method === 'HEAD' ? undefined : body);
    return;
  }
  const root = resolve(webDir);
  const hasWeb = await stat(root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!hasWeb) {
    res.writeHead(url.pathname === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><meta charset="utf-8"><title>rebates</title>' +
        `<p>The dashboard is not here: there is no ${root}. The API answers under <code>/api/</code>.</p>\n`,
    );
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Bad path.\n');
    return;
  }
  let file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
  // Everything served must stay inside web/ ("..", encoded or not, never climbs out).
  if (file !== root && !file.startsWith(root + sep)) file = '';
  const found = file
    ? await stat(file).then(
        (s) => (s.isDirectory() ? null : s),
        () => null,
      )
    : null;
  if (!found || path.includes('\0')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found.\n');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': found.size,
    'x-content-type-options': 'nosniff',
  });
  res.end(method === 'HEAD' ? undefined : await readFile(file));
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  const secret = await devTokenSecret(options.stateDir);
  const handle = createApiHandler(() => options.deps);

  const server = createServer((req, res) => {
    // Nothing a client sends may throw out of this listener: that would take the whole stack down.
    const fail = (err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, err, languageOf({ headers: { 'accept-language': req.headers['accept-language'] } }));
    };
    try {
      const url = requestUrl(req.url);
      const method = req.method ?? 'GET';
      const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
      const work = isApi ? serveApi(req, res, url) : serveStatic(res, method, url, webDir);
      work.catch(fail);
    } catch (err) {
      fail(err);
    }
  });
  // A request Node cannot even parse as HTTP gets a plain 400, and the connection goes.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  async function serveApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth)
      throw new UnauthorizedError(
        'Sign in: send "Authorization: Bearer <token>" (get a token with "rebates token").',
        { key: 'sign-in' },
      );
    const claims = verifyDevToken(auth[1]!, secret);
    const body = await readBody(req);
    const result = await handle(buildEvent(req, url, body, claims));
    const headers = { ...(result.headers ?? {}) } as Record<string, string | number | boolean>;
    const payload =
      result.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    res.writeHead(result.statusCode ?? 200, { ...headers, 'content-length': payload.length });
    res.end(payload);
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolvePromise, reject) => {
        server.close((err) => (err ? reject(err) : resolvePromise()));
        server.closeAllConnections();
      }),
  };
}
