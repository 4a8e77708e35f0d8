/**
 * The local API server over the test runtime, and ways to call it: as a signed-in caller (fetch)
 * or byte for byte over a socket, for requests fetch would refuse to send (`GET //`, a bad Host).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { devTokenSecret, startApiServer, type ApiServer } from '../../local/api-server.js';
import { signDevToken } from '../../shared/auth/dev-token.js';
import type { Claims } from '../../shared/auth/principal.js';
import type { TestRuntime } from './runtime.js';

export const CALLERS = {
  finance: { sub: 'fin-1', 'cognito:groups': ['finance'] },
  /** A second finance user: a close asked by one is approved by the other. */
  finance2: { sub: 'fin-2', 'cognito:groups': ['finance'] },
  program: { sub: 'prog-1', 'cognito:groups': ['program'] },
  central: { sub: 'mgr-1', 'cognito:groups': ['manager'], 'custom:regions': 'Central' },
  volga: { sub: 'mgr-2', 'cognito:groups': ['manager'], 'custom:regions': 'Volga' },
  alfa: { sub: 'dist-alfa', 'cognito:groups': ['distributor'], 'custom:distributor': 'alfa' },
  kvant: { sub: 'dist-kvant', 'cognito:groups': ['distributor'], 'custom:distributor': 'kvant' },
} satisfies Record<string, Claims>;
export type Caller = keyof typeof CALLERS;

export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface TestApi {
  readonly server: ApiServer;
  token(who: Caller): string;
  /** JSON bodies as JSON; a string body as `contentType` (text/csv by default); `headers` added (Accept-Language…). */
  call(
    who: Caller | null,
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    headers?: Record<string, string>,
  ): Promise<Answer>;
}

/**
 * One request to the API at `url`, signed in with `token` when given: JSON bodies as JSON, a string
 * body as `contentType` (text/csv by default), with `extra` headers (Accept-Language…); the answer's
 * body parsed when it is JSON.
 */
export async function callApi(
  url: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
  extra: Record<string, string> = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (typeof body === 'string') {
    payload = body;
    headers['content-type'] = contentType ?? 'text/csv';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.startsWith('application/json');
  return { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : text };
}

/** One API server for the test file, in front of the runtime's deps. */
export function useTestApi(env: TestRuntime): TestApi {
  let server: ApiServer | undefined;
  let secret: Buffer;
  let stateDir: string | undefined;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'rebates-api-state-'));
    server = await startApiServer({ port: 0, deps: env.rt.deps, stateDir, webDir: join(stateDir, 'no-web') });
    secret = await devTokenSecret(stateDir);
  });
  afterAll(async () => {
    await server?.close();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });
  const api: TestApi = {
    get server() {
      if (!server) throw new Error('useTestApi(): the server runs only inside tests of this file.');
      return server;
    },
    token: (who) => signDevToken(CALLERS[who], secret, 600),
    call: (who, method, path, body, contentType, headers) =>
      callApi(api.server.url, who ? api.token(who) : null, method, path, body, contentType, headers),
  };
  return api;
}

/**
 * Sends `request` as it is over a fresh connection and resolves with the status of the answer
 * (null when the server closed the connection without one).
 */
export function rawRequest(url: string, request: string | Buffer): Promise<number | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // The status line is all we need; the server may keep the connection open.
      const head = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m && head.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('end', () => resolve(null));
    socket.on('close', () => resolve(null));
    socket.on('error', reject);
    socket.write(request);
  });
}
