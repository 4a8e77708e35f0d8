import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestUrl } from '../../local/api-server.js';
import { BadRequestTargetError } from '../../shared/errors.js';

describe('the local server reads a request target', () => {
  it.each([
    ['//', '//'],
    ['//evil.example/api/me', '//evil.example/api/me'],
    ['/api/me?x=1', '/api/me'],
    ['/api/../me', '/me'],
    ['http://elsewhere.example/api/me?q=1', '/api/me'],
  ])('%j as the path %j on the server itself', (target, path) => {
    const url = requestUrl(target);
    expect(url.pathname).toBe(path);
    expect(url.host).toBe('local.invalid');
  });

  it.each(['*', 'api/me', '', 'mailto:x', 'http://[::zz/'])('refuses %j with a 400 in plain words', (target) => {
    expect(() => requestUrl(target)).toThrow(BadRequestTargetError);
    expect(() => requestUrl(target)).toThrow(/request path cannot be read/);
  });

  it('never throws anything else and never leaves its own origin, whatever the target', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.webPath(), fc.string().map((s) => `/${s}`)), (target) => {
        try {
          expect(requestUrl(target).host).toBe('local.invalid');
        } catch (err) {
          expect(err).toBeInstanceOf(BadRequestTargetError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
