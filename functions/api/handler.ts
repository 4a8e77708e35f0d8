/**
 * API Lambda: every route of docs/api.md behind one API Gateway HTTP API (payload format 2.0) with
 * a Cognito JWT authorizer. Locally, `rebates up --port N` serves this same handler. Every error is
 * turned into `{ error: { code, message, issues? } }` here, in one place.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { assertRole, principalFromClaims, type Principal } from '../../shared/auth/principal.js';
import { MethodNotAllowedError, toUserError } from '../../shared/errors.js';
import { lazy, wireFromEnv } from '../../shared/wiring.js';
import { observability } from '../shared/observability.js';
import type { ApiDeps, Reply } from './http.js';
import { languageOf } from './language.js';
import { createRouter } from './router.js';
import { ROUTES } from './routes.js';

const JSON_TYPE = 'application/json; charset=utf-8';
// Answers are per caller and may name partners: never kept by a shared cache.
const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode: status, headers: { ...COMMON_HEADERS, 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

function toResponse(reply: Reply): ApiResult {
  if ('file' in reply) {
    const { body, contentType, fileName, language } = reply.file;
    const ascii = fileName.replace(/[^\w.-]/g, '_');
    return {
      statusCode: 200,
      headers: {
        ...COMMON_HEADERS,
        'content-type': contentType,
        'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
        ...(language ? { 'content-language': language } : {}),
      },
      body: body.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return jsonResponse(reply.status ?? 200, reply.json);
}

function headersOf(event: ApiEvent): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

export function createApiHandler(getDeps: () => ApiDeps) {
  const { logger, metrics } = observability('api');
  const router = createRouter(ROUTES);

  return async (event: ApiEvent, context?: Context): Promise<ApiResult> => {
    if (context) logger.addContext(context);
    const method = event.requestContext.http.method.toUpperCase();
    let principal: Principal | undefined;
    let routeName = 'unmatched';
    const lang = languageOf({ headers: headersOf(event) });
    try {
      principal = principalFromClaims(event.requestContext.authorizer?.jwt?.claims);
      const { route, params } = router.match(method, event.rawPath);
      routeName = `${route.method} ${route.path}`;
      assertRole(principal, ...route.roles);
      const reply = await route.handle({
        // Wired on first use, so /me and refusals never touch AWS.
        get deps() {
          return getDeps();
        },
        principal,
        params,
        query: event.queryStringParameters ?? {},
        headers: headersOf(event),
        body: event.body === undefined ? null : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
      });
      const response = toResponse(reply);
      // JSON answers carry sentences rendered in this language (a file that does says so itself).
      if (!('file' in reply)) response.headers = { ...response.headers, 'content-language': lang };
      logger.info('request', { route: routeName, status: response.statusCode, sub: principal.sub, role: principal.role });
      return response;
    } catch (err) {
      // The error is said in the reader's language; its code stays the same in both.
      const user = toUserError(err, lang);
      const who = principal ? { sub: principal.sub, role: principal.role } : {};
      if (user.status >= 500) {
        logger.error('request failed', { route: routeName, status: user.status, ...who, error: err as Error });
        metrics.addMetric('ApiServerErrors', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      } else logger.info('request refused', { route: routeName, status: user.status, code: user.code, ...who });
      const { status, ...body } = user;
      return jsonResponse(
        status,
        { error: body },
        { 'content-language': lang, ...(err instanceof MethodNotAllowedError ? { allow: err.allow.join(', ') } : {}) },
      );
    }
  };
}

export const handler = createApiHandler(lazy(() => wireFromEnv()));
