/**
 * A tiny table-driven router: method + path pattern (`/quarters/{q}/payouts`) → route. An unknown
 * path is 404; a known path with another method is 405 naming the methods it has.
 */
import { MethodNotAllowedError, NotFoundError } from '../../shared/errors.js';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Literal segments and `{name}` parameters, e.g. `/reports/{reportId}`. */
  path: string;
}

interface Compiled<R> {
  route: R;
  segments: ({ literal: string } | { param: string })[];
}

/** The path the routes see: without the optional `/api` prefix and a trailing slash. */
export function routePath(rawPath: string): string {
  let path = rawPath === '/api' || rawPath.startsWith('/api/') ? rawPath.slice(4) : rawPath;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path || '/';
}

export function createRouter<R extends RouteSpec>(routes: readonly R[]) {
  const compiled: Compiled<R>[] = routes.map((route) => ({
    route,
    segments: route.path
      .split('/')
      .filter(Boolean)
      .map((s) => {
        const m = /^\{(\w+)\}$/.exec(s);
        return m ? { param: m[1]! } : { literal: s };
      }),
  }));

  function matchPath(c: Compiled<R>, parts: string[]): Record<string, string> | null {
    if (c.segments.length !== parts.length) return null;
    const params: Record<string, string> = {};
    for (const [i, seg] of c.segments.entries()) {
      const part = parts[i]!;
      if ('literal' in seg) {
        if (seg.literal !== part) return null;
      } else params[seg.param] = part;
    }
    return params;
  }

  return {
    match(method: string, rawPath: string): { route: R; params: Record<string, string> } {
      const path = routePath(rawPath);
      let parts: string[];
      try {
        parts = path.split('/').filter(Boolean).map(decodeURIComponent);
      } catch (cause) {
        throw new NotFoundError(`There is nothing at ${path}.`, { cause, key: 'path-unknown', params: { path } });
      }
      const allow: string[] = [];
      for (const c of compiled) {
        const params = matchPath(c, parts);
        if (!params) continue;
        if (c.route.method === method.toUpperCase()) return { route: c.route, params };
        allow.push(c.route.method);
      }
      if (allow.length)
        throw new MethodNotAllowedError(`${path} takes ${allow.join(', ')}, not ${method.toUpperCase()}.`, allow, {
          key: 'method-not-allowed',
          params: { path, allow, method: method.toUpperCase() },
        });
      throw new NotFoundError(`There is nothing at ${path}.`, { key: 'path-unknown', params: { path } });
    },
  };
}
