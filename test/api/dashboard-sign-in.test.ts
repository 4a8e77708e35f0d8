/**
 * The dashboard's sign-in logic (web/js/auth.js) in Node: PKCE per RFC 7636, the authorize and
 * token requests, the callback's state check, config.json, token expiry. The token endpoint is
 * test/api/fake-cognito.ts over real HTTP, which redeems a code only with the right verifier.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../shared/auth/dev-token.js';
import { startFakeCognito, type FakeCognito } from './fake-cognito.js';

interface Cognito {
  clientId: string;
  signInUrl: string;
  redirectUri: string;
  scopes: string[];
  tokenField: string;
}
interface Config {
  apiUrl: string;
  cognito: Cognito | null;
}
interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
interface AuthModule {
  SignInError: new (message: string) => Error;
  readConfig(raw: unknown): Config;
  loadConfig(fetchImpl?: typeof fetch, url?: string): Promise<Config>;
  randomString(bytes?: number): string;
  codeChallenge(verifier: string): Promise<string>;
  authorizeUrl(cognito: Cognito, p: { state: string; challenge: string }): string;
  beginSignIn(cognito: Cognito, storage: Storage): Promise<string>;
  isCallback(search: string): boolean;
  parseCallback(search: string, expectedState: string | undefined): { code: string };
  tokenRequest(cognito: Cognito, code: string, verifier: string): { url: string; init: RequestInit };
  completeSignIn(
    cognito: Cognito,
    search: string,
    storage: Storage,
    fetchImpl?: typeof fetch,
  ): Promise<string>;
  logoutUrl(cognito: Cognito): string;
  expiresAt(token: unknown): number | null;
  isExpired(token: unknown, now?: number): boolean;
}

// A plain browser module (no types); the path is not a literal so TypeScript does not resolve it.
const authModule = join(fileURLToPath(new URL('../../web/js/', import.meta.url)), 'auth.js');
const auth = (await import(authModule)) as AuthModule;

/** sessionStorage's interface over a Map. */
function memoryStorage(): Storage & { size: () => number } {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, String(v)),
    removeItem: (k) => void m.delete(k),
    size: () => m.size,
  };
}

const REDIRECT = 'https://d111111abcdef8.cloudfront.net/';
/** config.json as infra/stateless-stack.ts writes it. */
const awsConfig = (signInUrl: string) => ({
  stage: 'dev',
  region: 'eu-central-1',
  apiUrl: 'https://abc123.execute-api.eu-central-1.amazonaws.com',
  userPoolId: 'eu-central-1_AbCdEf',
  clientId: '4tq1example7client',
  signInUrl,
  redirectUri: REDIRECT,
  scopes: ['openid', 'email', 'profile'],
  sendToken: 'id',
});

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 Appendix B', async () => {
    expect(await auth.codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes verifiers of 43 unreserved characters, different each time', () => {
    const made = Array.from({ length: 50 }, () => auth.randomString(32));
    for (const v of made) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(made).size).toBe(made.length);
  });
});

describe('config.json', () => {
  it('reads the AWS settings as a Cognito sign-in that sends the ID token', () => {
    const config = auth.readConfig(
      awsConfig('https://rebates-dev-1234.auth.eu-central-1.amazoncognito.com/'),
    );
    expect(config).toEqual({
      apiUrl: 'https://abc123.execute-api.eu-central-1.amazonaws.com',
      cognito: {
        clientId: '4tq1example7client',
        signInUrl: 'https://rebates-dev-1234.auth.eu-central-1.amazoncognito.com',
        redirectUri: REDIRECT,
        scopes: ['openid', 'email', 'profile'],
        tokenField: 'id_token',
      },
    });
  });

  it('reads the local settings, and none at all, as dev-token log-in to /api', () => {
    expect(auth.readConfig({ stage: 'local', apiUrl: '/api/' })).toEqual({ apiUrl: '/api', cognito: null });
    expect(auth.readConfig({})).toEqual({ apiUrl: '/api', cognito: null });
  });

  it('refuses a sign-in it cannot complete, and anything but an object', () => {
    const { redirectUri: _r, ...noRedirect } = awsConfig('https://x.example');
    expect(() => auth.readConfig(noRedirect)).toThrow(/lack redirectUri/);
    expect(() => auth.readConfig({ clientId: 'c' })).toThrow(/lack signInUrl, redirectUri/);
    for (const raw of [null, [], 'config']) expect(() => auth.readConfig(raw)).toThrow(auth.SignInError);
  });
});

describe('authorize URL and callback', () => {
  const cognito = auth.readConfig(
    awsConfig('https://rebates-dev-1234.auth.eu-central-1.amazoncognito.com'),
  ).cognito!;

  it('asks the hosted pages for a code with the S256 challenge, state, client and callback', () => {
    const url = new URL(auth.authorizeUrl(cognito, { state: 'st-1', challenge: 'ch-1' }));
    expect(`${url.origin}${url.pathname}`).toBe(
      'https://rebates-dev-1234.auth.eu-central-1.amazoncognito.com/oauth2/authorize',
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: '4tq1example7client',
      redirect_uri: REDIRECT,
      scope: 'openid email profile',
      state: 'st-1',
      code_challenge_method: 'S256',
      code_challenge: 'ch-1',
    });
  });

  it("keeps the state and verifier of a sign-in in the tab, the challenge being the verifier's", async () => {
    const storage = memoryStorage();
    const url = new URL(await auth.beginSignIn(cognito, storage));
    const pending = JSON.parse(storage.getItem('rebates.signin')!) as { state: string; verifier: string };
    expect(url.searchParams.get('state')).toBe(pending.state);
    expect(pending.state.length).toBeGreaterThanOrEqual(22);
    expect(url.searchParams.get('code_challenge')).toBe(await auth.codeChallenge(pending.verifier));
    expect(url.searchParams.get('code_challenge')).not.toBe(pending.verifier);
  });

  it('takes the code of an answer whose state is the one sent', () => {
    expect(auth.isCallback('?code=abc&state=s1')).toBe(true);
    expect(auth.isCallback('?error=access_denied&state=s1')).toBe(true);
    expect(auth.isCallback('')).toBe(false);
    expect(auth.parseCallback('?code=abc&state=s1', 's1')).toEqual({ code: 'abc' });
  });

  it('refuses an answer with another state, or when this tab started no sign-in', () => {
    expect(() => auth.parseCallback('?code=abc&state=s2', 's1')).toThrow(auth.SignInError);
    expect(() => auth.parseCallback('?code=abc&state=s2', 's1')).toThrow(
      /does not belong to a sign-in started in this tab/,
    );
    expect(() => auth.parseCallback('?code=abc', 's1')).toThrow(auth.SignInError);
    expect(() => auth.parseCallback('?code=abc&state=s1', undefined)).toThrow(auth.SignInError);
  });

  it("passes on the hosted pages' own refusal in its words", () => {
    expect(() =>
      auth.parseCallback('?error=access_denied&error_description=User+is+disabled&state=s1', 's1'),
    ).toThrow('The sign-in page answered: User is disabled.');
  });

  it('redeems the code with a form-encoded request that carries the verifier', () => {
    const { url, init } = auth.tokenRequest(cognito, 'the-code', 'the-verifier');
    expect(url).toBe('https://rebates-dev-1234.auth.eu-central-1.amazoncognito.com/oauth2/token');
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(String(init.body)))).toEqual({
      grant_type: 'authorization_code',
      client_id: '4tq1example7client',
      code: 'the-code',
      code_verifier: 'the-verifier',
      redirect_uri: REDIRECT,
    });
  });

  it('signs out through the hosted pages back to the dashboard', () => {
    const url = new URL(auth.logoutUrl(cognito));
    expect(`${url.origin}${url.pathname}`).toBe(
      'https://rebates-dev-1234.auth.eu-central-1.amazoncognito.com/logout',
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: '4tq1example7client',
      logout_uri: REDIRECT,
    });
  });
});

describe('a whole sign-in against a token endpoint that checks PKCE', () => {
  let idp: FakeCognito;
  let cognito: Cognito;
  let issued = 0;

  beforeAll(async () => {
    idp = await startFakeCognito({
      clientId: '4tq1example7client',
      redirectUri: REDIRECT,
      idToken: () => `id-token-${++issued}`,
    });
    cognito = auth.readConfig(awsConfig(idp.origin)).cognito!;
  });
  afterAll(() => idp?.close());

  /** Goes to the authorize URL as the browser would and gives the query string it is sent back with. */
  async function signInAt(url: string): Promise<string> {
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    return back.search;
  }

  it('gets the ID token, and forgets the verifier', async () => {
    const storage = memoryStorage();
    const search = await signInAt(await auth.beginSignIn(cognito, storage));
    expect(await auth.completeSignIn(cognito, search, storage)).toBe(`id-token-${issued}`);
    expect(idp.tokenRequests.at(-1)).toMatchObject({
      status: 200,
      form: { grant_type: 'authorization_code' },
    });
    expect(storage.size()).toBe(0);
    // The same answer again (a reload of the callback URL) has no verifier to go with it.
    await expect(auth.completeSignIn(cognito, search, storage)).rejects.toThrow(auth.SignInError);
  });

  it("refuses an answer to another tab's sign-in without redeeming its code", async () => {
    const mine = memoryStorage();
    const theirs = memoryStorage();
    await auth.beginSignIn(cognito, mine);
    const theirSearch = await signInAt(await auth.beginSignIn(cognito, theirs));
    const before = idp.tokenRequests.length;
    await expect(auth.completeSignIn(cognito, theirSearch, mine)).rejects.toThrow(/does not belong/);
    expect(idp.tokenRequests).toHaveLength(before);
    // The other tab can still finish its own sign-in.
    expect(await auth.completeSignIn(cognito, theirSearch, theirs)).toMatch(/^id-token-/);
  });

  it('says so when the token endpoint does not accept the code', async () => {
    const storage = memoryStorage();
    const search = await signInAt(await auth.beginSignIn(cognito, storage));
    // Another verifier than the one the challenge was made from.
    storage.setItem(
      'rebates.signin',
      JSON.stringify({ state: new URLSearchParams(search).get('state'), verifier: auth.randomString(32) }),
    );
    await expect(auth.completeSignIn(cognito, search, storage)).rejects.toThrow(
      'The sign-in service did not accept the sign-in (invalid_grant). Sign in again.',
    );
    expect(idp.tokenRequests.at(-1)?.status).toBe(400);
  });

  it('falls back to dev tokens when there is no config.json, and stops on any other failure', async () => {
    expect(await auth.loadConfig(fetch, `${idp.origin}/config.json`)).toEqual({
      apiUrl: '/api',
      cognito: null,
    });
    await expect(auth.loadConfig(fetch, `${idp.origin}/oauth2/authorize`)).rejects.toThrow(
      'The dashboard settings (config.json) could not be loaded: 400.',
    );
  });
});

describe('token expiry', () => {
  const secret = Buffer.alloc(32, 7);
  const now = new Date('2016-03-01T10:00:00+03:00');

  it("reads a JWT's exp and judges it against the clock", () => {
    const token = signDevToken({ sub: 'u', 'cognito:groups': ['finance'], name: 'Анна' }, secret, 3600, now);
    expect(auth.expiresAt(token)).toBe(now.getTime() + 3600_000);
    expect(auth.isExpired(token, now.getTime())).toBe(false);
    expect(auth.isExpired(token, now.getTime() + 3600_000)).toBe(true);
  });

  it('leaves what is not a JWT to the API', () => {
    for (const t of ['not-a-token', 'a.b.c', null, undefined, '']) {
      expect(auth.expiresAt(t)).toBeNull();
      expect(auth.isExpired(t)).toBe(false);
    }
  });
});
