/**
 * Local development tokens: HS256 JWTs carrying the same claims Cognito would, signed with a
 * per-state-folder secret. Only the local server accepts them; in AWS the JWT authorizer checks
 * Cognito's tokens and this code is never reached.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../errors.js';
import type { Claims } from './principal.js';

export const DEV_TOKEN_ISSUER = 'rebates-local';

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const sign = (input: string, secret: Buffer | string) => createHmac('sha256', secret).update(input).digest();

/** A token valid for `ttlSeconds` from `now`. */
export function signDevToken(claims: Claims, secret: Buffer | string, ttlSeconds: number, now: Date = new Date()): string {
  const iat = Math.floor(now.getTime() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ ...claims, iss: DEV_TOKEN_ISSUER, iat, exp: iat + Math.floor(ttlSeconds) }));
  return `${header}.${payload}.${b64url(sign(`${header}.${payload}`, secret))}`;
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (cause) {
    throw new UnauthorizedError(`The token's ${what} cannot be read; get a new token with "rebates token".`, {
      cause,
      key: 'token-unreadable',
      params: { part: what },
    });
  }
  throw new UnauthorizedError(`The token's ${what} cannot be read; get a new token with "rebates token".`, {
    key: 'token-unreadable',
    params: { part: what },
  });
}

/** The token's claims, once its signature, algorithm, issuer and expiry check out. */
export function verifyDevToken(token: string, secret: Buffer | string, now: Date = new Date()): Claims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)))
    throw new UnauthorizedError('The bearer token is not a JWT; get one with "rebates token".', { key: 'token-not-jwt' });
  const [header, payload, signature] = parts as [string, string, string];
  // The algorithm is fixed, never taken from the token ("alg": "none" and the like are refused).
  if (decodeJson(header, 'header').alg !== 'HS256')
    throw new UnauthorizedError('The token is not signed with HS256, the only algorithm the local server accepts.', {
      key: 'token-algorithm',
    });
  const expected = sign(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new UnauthorizedError('The token signature does not match this state folder; get a new token with "rebates token".', {
      key: 'token-signature',
    });
  const claims = decodeJson(payload, 'payload');
  if (claims.iss !== DEV_TOKEN_ISSUER) throw new UnauthorizedError(`The token was not issued by ${DEV_TOKEN_ISSUER}.`, {
      key: 'token-issuer',
      params: { issuer: DEV_TOKEN_ISSUER },
    });
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now.getTime())
    throw new UnauthorizedError('The token has expired; get a new one with "rebates token".', { key: 'token-expired' });
  return claims;
}
