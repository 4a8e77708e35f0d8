import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEV_TOKEN_ISSUER, signDevToken, verifyDevToken } from '../../shared/auth/dev-token.js';
import { UnauthorizedError } from '../../shared/errors.js';

const secret = Buffer.alloc(32, 7);
const claims = { sub: 'u1', 'cognito:groups': ['manager'], 'custom:regions': 'Central' };
const now = new Date('2026-01-10T12:00:00Z');

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** A token signed by hand, to try what signDevToken never produces. */
function handMade(header: unknown, payload: unknown, key: Buffer = secret): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

describe('dev tokens', () => {
  it('verify to the claims they were signed with, plus issuer and expiry', () => {
    const token = signDevToken(claims, secret, 3600, now);
    const back = verifyDevToken(token, secret, new Date(now.getTime() + 60_000));
    expect(back).toMatchObject({ ...claims, iss: DEV_TOKEN_ISSUER, exp: Math.floor(now.getTime() / 1000) + 3600 });
  });

  it('refuses a token whose payload was changed', () => {
    const [h, , s] = signDevToken(claims, secret, 3600, now).split('.');
    const forged = `${h}.${b64({ ...claims, 'cognito:groups': ['finance'], iss: DEV_TOKEN_ISSUER, exp: 2e9 })}.${s}`;
    expect(() => verifyDevToken(forged, secret, now)).toThrow(UnauthorizedError);
  });

  it('refuses a token signed with another secret', () => {
    const token = signDevToken(claims, Buffer.alloc(32, 8), 3600, now);
    expect(() => verifyDevToken(token, secret, now)).toThrow(/signature does not match/);
  });

  it('refuses an expired token', () => {
    const token = signDevToken(claims, secret, 60, now);
    expect(() => verifyDevToken(token, secret, new Date(now.getTime() + 59_000))).not.toThrow();
    expect(() => verifyDevToken(token, secret, new Date(now.getTime() + 60_000))).toThrow(/expired/);
  });

  it('refuses a token without exp', () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: DEV_TOKEN_ISSUER });
    expect(() => verifyDevToken(token, secret, now)).toThrow(/expired/);
  });

  it('refuses a correctly signed token of another issuer', () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'someone-else', exp: 2e9 });
    expect(() => verifyDevToken(token, secret, now)).toThrow(/not issued by rebates-local/);
  });

  it('refuses "alg": "none" even without a signature', () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: DEV_TOKEN_ISSUER, exp: 2e9 })}.`;
    expect(() => verifyDevToken(unsigned, secret, now)).toThrow(/HS256/);
  });

  it.each(['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**'])('refuses %j as not a JWT', (token) => {
    expect(() => verifyDevToken(token, secret, now)).toThrow(UnauthorizedError);
  });
});
