import '../../local/env-defaults.js'; // quiet handler logs, set before the handler module loads
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createApiHandler, type ApiEvent } from '../../functions/api/handler.js';
import { createRouter, routePath } from '../../functions/api/router.js';
import { MethodNotAllowedError, NotFoundError } from '../../shared/errors.js';

const routes = [
  { method: 'GET', path: '/quarters', name: 'list' },
  { method: 'GET', path: '/quarters/{q}/payouts', name: 'payouts' },
  { method: 'POST', path: '/quarters/{q}/close', name: 'close' },
  { method: 'GET', path: '/reports/{reportId}', name: 'report' },
] as const;

describe('router', () => {
  const router = createRouter(routes);

  it('matches literal and parameter segments, with or without the /api prefix', () => {
    expect(router.match('GET', '/quarters/2016-Q1/payouts')).toEqual({ route: routes[1], params: { q: '2016-Q1' } });
    expect(router.match('get', '/api/quarters/2016-Q1/payouts/')).toEqual({ route: routes[1], params: { q: '2016-Q1' } });
    expect(router.match('GET', '/api/quarters').route.name).toBe('list');
  });

  it('decodes parameters', () => {
    expect(router.match('GET', '/reports/a%20b%2Fc').params).toEqual({ reportId: 'a b/c' });
  });

  it('answers an unknown path with 404 and a known path with another method with 405 naming the allowed ones', () => {
    expect(() => router.match('GET', '/nothing')).toThrow(NotFoundError);
    expect(() => router.match('GET', '/quarters/2016-Q1')).toThrow(NotFoundError);
    expect(() => router.match('GET', '/apiquarters')).toThrow(NotFoundError);
    expect(() => router.match('GET', '/reports/%E0%A4%A')).toThrow(NotFoundError);
    try {
      router.match('DELETE', '/quarters/2016-Q1/close');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MethodNotAllowedError);
      expect((err as MethodNotAllowedError).allow).toEqual(['POST']);
    }
  });

  it('strips only a whole /api segment', () => {
    expect(routePath('/api')).toBe('/');
    expect(routePath('/api/me/')).toBe('/me');
    expect(routePath('/apix/me')).toBe('/apix/me');
  });
});

/** An HTTP API v2 event as API Gateway sends it after its JWT authorizer. */
function event(method: string, rawPath: string, claims: Record<string, string>): ApiEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '1',
      apiId: 'a',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      domainName: 'x',
      domainPrefix: 'x',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '1.1.1.1', userAgent: 't' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  };
}

describe('api handler errors', () => {
  // Only routes that fail before touching dependencies are called here; the rest run against the emulators.
  const handler = createApiHandler(() => {
    throw new Error('no dependencies in this test');
  });
  const finance = { sub: 'f1', 'cognito:groups': '[finance]' };
  const call = async (method: string, path: string, claims: Record<string, string> = finance) => {
    const res = await handler(event(method, path, claims), {} as Context);
    return { status: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(res.body ?? 'null') };
  };

  it('answers /me from the claims alone, as JSON', async () => {
    const res = await call('GET', '/api/me', { sub: 'm1', 'cognito:groups': '[manager]', 'custom:regions': 'Central,Volga' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ sub: 'm1', role: 'manager', regions: ['Central', 'Volga'] });
  });

  it('maps 404, 405, 403 and 401 to the error shape', async () => {
    const notFound = await call('GET', '/api/nothing');
    expect(notFound).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(notFound.body.error.message).toMatch(/nothing at \/nothing/);

    const wrongMethod = await call('DELETE', '/quarters');
    expect(wrongMethod).toMatchObject({ status: 405, headers: { allow: 'GET' }, body: { error: { code: 'method-not-allowed' } } });

    const wrongRole = await call('POST', '/quarters/2016-Q1/close', { sub: 'p1', 'cognito:groups': '[program]' });
    expect(wrongRole).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });

    const noGroup = await call('GET', '/me', { sub: 'x' });
    expect(noGroup.status).toBe(403);

    const noSub = await call('GET', '/me', { 'cognito:groups': '[finance]' });
    expect(noSub).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
  });

  it('hides an unexpected failure behind a plain 500, and logs it with its stack for us', async () => {
    // The handler logs a 5xx as an error: checked here rather than printed.
    let written = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((written += String(chunk)), true));
    const res = await call('GET', '/quarters').finally(() => stderr.mockRestore());
    const logged = written.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        status: 500,
        error: expect.objectContaining({ message: 'no dependencies in this test', stack: expect.any(String) }),
      }),
    ]);
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: 'internal', message: expect.stringMatching(/went wrong/) });
    expect(JSON.stringify(res.body)).not.toMatch(/no dependencies/);
  });
});
