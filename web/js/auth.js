/**
 * Where the API is and how to sign in, from `config.json` beside index.html, and the OAuth 2.0
 * authorization code grant with PKCE (RFC 7636) against the Cognito hosted sign-in pages. The
 * dashboard is a public client: it keeps no secret, so the one-time code verifier (kept in this
 * tab's sessionStorage) proves that the tab redeeming the code is the one that asked for it.
 *
 * Nothing here touches the page: storage, fetch and the query string are passed in, and only
 * `crypto`, `btoa`/`atob` and `URL` are used, which Node has too, so tests load this module as is.
 */

const PENDING_KEY = 'rebates.signin';

/**
 * `code` (and `params`) name the sentence for the page: the dashboard shows `error_<code>` in the
 * reader's language (codes.js errorText); `message` stays the English sentence for logs and tests.
 */
export class SignInError extends Error {
  constructor(message, { code = 'sign-in-failed', params = {}, ...options } = {}) {
    super(message, options);
    this.name = 'SignInError';
    this.code = code;
    this.params = params;
  }
}

// ---------------------------------------------------------------- config.json

/**
 * The page's settings. `config.json` as the CDK stack writes it (apiUrl, region, userPoolId,
 * clientId, signInUrl, redirectUri, scopes, sendToken) means Cognito sign-in; the local server's
 * (apiUrl only), or none at all, means pasting a dev token.
 */
export function readConfig(raw) {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new SignInError('The dashboard settings (config.json) are not a JSON object.', {
      code: 'config-not-object',
    });
  const text = (key) => (typeof raw[key] === 'string' && raw[key].trim() ? raw[key].trim() : undefined);
  const apiUrl = (text('apiUrl') ?? '/api').replace(/\/+$/, '');
  if (raw.clientId === undefined && raw.signInUrl === undefined) return { apiUrl, cognito: null };

  const missing = ['clientId', 'signInUrl', 'redirectUri'].filter((k) => !text(k));
  if (missing.length)
    throw new SignInError(
      `The dashboard settings (config.json) name a sign-in but lack ${missing.join(', ')}.`,
      { code: 'config-incomplete', params: { missing: missing.join(', ') } },
    );
  const scopes = Array.isArray(raw.scopes) && raw.scopes.length ? raw.scopes.map(String) : ['openid'];
  return {
    apiUrl,
    cognito: {
      clientId: text('clientId'),
      signInUrl: text('signInUrl').replace(/\/+$/, ''),
      redirectUri: text('redirectUri'),
      scopes,
      // Only the ID token carries cognito:groups and the custom attributes the API reads.
      tokenField: raw.sendToken === 'access' ? 'access_token' : 'id_token',
    },
  };
}

/** Fetches and reads `config.json`; without one (404), the local defaults. */
export async function loadConfig(fetchImpl = fetch, url = 'config.json') {
  let res;
  try {
    res = await fetchImpl(url, { headers: { Accept: 'application/json' } });
  } catch (cause) {
    throw new SignInError('The dashboard settings (config.json) could not be loaded.', {
      cause,
      code: 'config-unreachable',
    });
  }
  if (res.status === 404) return readConfig({});
  if (!res.ok)
    throw new SignInError(`The dashboard settings (config.json) could not be loaded: ${res.status}.`, {
      code: 'config-status',
      params: { status: res.status },
    });
  let raw;
  try {
    raw = await res.json();
  } catch (cause) {
    throw new SignInError('The dashboard settings (config.json) are not valid JSON.', {
      cause,
      code: 'config-not-json',
    });
  }
  return readConfig(raw);
}

// ---------------------------------------------------------------- PKCE

const base64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** `bytes` random bytes as base64url: 32 give a 43-character verifier, RFC 7636's minimum length. */
export const randomString = (bytes = 32) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

/** The S256 code challenge: base64url(SHA-256(ASCII verifier)), unpadded. */
export async function codeChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export function authorizeUrl(cognito, { state, challenge }) {
  const url = new URL(`${cognito.signInUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: cognito.clientId,
    redirect_uri: cognito.redirectUri,
    scope: cognito.scopes.join(' '),
    state,
    code_challenge_method: 'S256',
    code_challenge: challenge,
  }).toString();
  return url.toString();
}

/** Remembers a new state and verifier in `storage` and gives the hosted sign-in URL to go to. */
export async function beginSignIn(cognito, storage) {
  const state = randomString(16);
  const verifier = randomString(32);
  storage.setItem(PENDING_KEY, JSON.stringify({ state, verifier }));
  return authorizeUrl(cognito, { state, challenge: await codeChallenge(verifier) });
}

/** Whether the query string is the sign-in pages' answer (`?code=&state=` or `?error=`). */
export function isCallback(search) {
  const p = new URLSearchParams(search);
  return p.has('code') || p.has('error');
}

/**
 * The authorization code of the sign-in answer. Refused when its state is not the one this tab
 * sent (an answer to someone else's sign-in, or a reused link) and when sign-in failed.
 */
export function parseCallback(search, expectedState) {
  const p = new URLSearchParams(search);
  if (!expectedState || p.get('state') !== expectedState)
    throw new SignInError(
      'This sign-in answer does not belong to a sign-in started in this tab. Sign in again.',
      { code: 'sign-in-foreign' },
    );
  if (p.has('error')) {
    // The sign-in page's own words (Cognito writes English): quoted as it sent them.
    const said = p.get('error_description') || p.get('error');
    throw new SignInError(`The sign-in page answered: ${said}.`, {
      code: 'sign-in-page-refused',
      params: { said },
    });
  }
  const code = p.get('code');
  if (!code)
    throw new SignInError('The sign-in answer has no authorization code. Sign in again.', {
      code: 'sign-in-no-code',
    });
  return { code };
}

/** The token endpoint request that redeems the code (form-encoded, RFC 6749 §4.1.3 plus the verifier). */
export function tokenRequest(cognito, code, verifier) {
  return {
    url: `${cognito.signInUrl}/oauth2/token`,
    init: {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: cognito.clientId,
        code,
        code_verifier: verifier,
        redirect_uri: cognito.redirectUri,
      }).toString(),
    },
  };
}

/**
 * Finishes a sign-in from the answer in `search`: checks the state, redeems the code with this
 * tab's verifier and gives the token to send to the API. The verifier is used once, then forgotten.
 */
export async function completeSignIn(cognito, search, storage, fetchImpl = fetch) {
  let pending = null;
  try {
    pending = JSON.parse(storage.getItem(PENDING_KEY) ?? 'null');
  } catch {
    // A damaged entry is the same as none: the state check below refuses the answer.
  }
  storage.removeItem(PENDING_KEY);
  const { code } = parseCallback(search, pending?.state);

  const { url, init } = tokenRequest(cognito, code, pending.verifier);
  let res;
  try {
    res = await fetchImpl(url, init);
  } catch (cause) {
    throw new SignInError('The sign-in service could not be reached. Sign in again.', {
      cause,
      code: 'sign-in-unreachable',
    });
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new SignInError(
      `The sign-in service did not accept the sign-in (${body.error ?? res.status}). Sign in again.`,
      { code: 'sign-in-not-accepted', params: { reason: body.error ?? res.status } },
    );
  const token = body[cognito.tokenField];
  if (typeof token !== 'string' || !token)
    throw new SignInError('The sign-in service sent no token. Sign in again.', { code: 'sign-in-no-token' });
  return token;
}

/** The hosted pages' sign-out, which ends their session too and comes back to the dashboard. */
export function logoutUrl(cognito) {
  const url = new URL(`${cognito.signInUrl}/logout`);
  url.search = new URLSearchParams({
    client_id: cognito.clientId,
    logout_uri: cognito.redirectUri,
  }).toString();
  return url.toString();
}

// ---------------------------------------------------------------- tokens

/** When a JWT expires (its `exp`, in ms since the epoch), or null when it is not a readable JWT. */
export function expiresAt(token) {
  const payload = typeof token === 'string' ? token.split('.')[1] : undefined;
  if (!payload) return null;
  try {
    // Latin-1 decoding garbles non-ASCII names but not `exp`, a number.
    const exp = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Expired by its own `exp`; a token that cannot be read is left for the API to judge. */
export function isExpired(token, now = Date.now()) {
  const at = expiresAt(token);
  return at !== null && at <= now;
}
