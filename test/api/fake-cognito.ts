/**
 * The three endpoints of Cognito's hosted sign-in that the dashboard uses, written from RFC 6749 and
 * RFC 7636 rather than from the dashboard's code: `/oauth2/authorize` (the user is taken as signed
 * in; it answers with a one-time code bound to the S256 challenge), `/oauth2/token` (redeems the
 * code only with the verifier whose SHA-256 is that challenge, the same client and redirect URI)
 * and `/logout`. Listens on 127.0.0.1 only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCognitoOptions {
  clientId: string;
  /** The app client's only callback and sign-out URL. */
  redirectUri: string;
  /** The ID token to hand out for the next redeemed code. */
  idToken: () => string;
}

export interface FakeCognito {
  origin: string;
  /** Every token request and how it was answered. */
  tokenRequests: { form: Record<string, string>; status: number }[];
  logouts: URLSearchParams[];
  close(): Promise<void>;
}

interface Grant {
  challenge: string;
  clientId: string;
  redirectUri: string;
}

export async function startFakeCognito(options: FakeCognitoOptions): Promise<FakeCognito> {
  const grants = new Map<string, Grant>();
  const tokenRequests: FakeCognito['tokenRequests'] = [];
  const logouts: URLSearchParams[] = [];

  const json = (res: ServerResponse, status: number, body: unknown) => {
    // The real token endpoint allows any origin: a browser app redeems its code with fetch.
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify(body));
  };
  const redirect = (res: ServerResponse, to: string) => {
    res.writeHead(302, { location: to });
    res.end();
  };

  function authorize(q: URLSearchParams, res: ServerResponse): void {
    const problems = [
      q.get('response_type') !== 'code' && 'response_type must be code',
      q.get('client_id') !== options.clientId && 'unknown client_id',
      q.get('redirect_uri') !== options.redirectUri && 'redirect_uri is not a callback URL of the client',
      q.get('code_challenge_method') !== 'S256' && 'code_challenge_method must be S256',
      !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '') &&
        'code_challenge is not a base64url SHA-256',
      !q.get('state') && 'state is missing',
      !(q.get('scope') ?? '').split(' ').includes('openid') && 'scope must include openid',
    ].filter(Boolean);
    if (problems.length)
      return json(res, 400, { error: 'invalid_request', error_description: problems.join('; ') });
    const code = randomBytes(16).toString('hex');
    grants.set(code, {
      challenge: q.get('code_challenge')!,
      clientId: q.get('client_id')!,
      redirectUri: q.get('redirect_uri')!,
    });
    const back = new URL(options.redirectUri);
    back.search = new URLSearchParams({ code, state: q.get('state')! }).toString();
    redirect(res, back.toString());
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const answer = (status: number, body: unknown) => {
      tokenRequests.push({ form, status });
      json(res, status, body);
    };
    if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? ''))
      return answer(400, { error: 'invalid_request' });
    if (form.grant_type !== 'authorization_code') return answer(400, { error: 'unsupported_grant_type' });
    const grant = grants.get(form.code ?? '');
    grants.delete(form.code ?? ''); // a code is redeemed once, right or wrong
    const verifier = form.code_verifier ?? '';
    const ok =
      grant &&
      grant.clientId === form.client_id &&
      grant.redirectUri === form.redirect_uri &&
      /^[A-Za-z0-9._~-]{43,128}$/.test(verifier) &&
      createHash('sha256').update(verifier, 'ascii').digest('base64url') === grant.challenge;
    if (!ok) return answer(400, { error: 'invalid_grant' });
    answer(200, {
      id_token: options.idToken(),
      access_token: 'access-token-without-custom-claims',
      token_type: 'Bearer',
      expires_in: 3600,
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') return authorize(url.searchParams, res);
    if (req.method === 'POST' && url.pathname === '/oauth2/token')
      return void token(req, res).catch(() => json(res, 500, { error: 'server_error' }));
    if (req.method === 'GET' && url.pathname === '/logout') {
      logouts.push(url.searchParams);
      const ok =
        url.searchParams.get('client_id') === options.clientId &&
        url.searchParams.get('logout_uri') === options.redirectUri;
      return ok ? redirect(res, options.redirectUri) : json(res, 400, { error: 'invalid_request' });
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    tokenRequests,
    logouts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
