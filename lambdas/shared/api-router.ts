/**
 * Serves a route table with @middy/http-router. The library dispatches; this module adds what it lacks
 * and the API promises: a wrong method on a known path is 405 with `Allow` (middy only knows "not
 * found"), `/v1/streams/` is not `/v1/streams` (middy makes a trailing slash optional), and the path
 * parameters are the router's own matches (middy lets API Gateway's `{proxy+}` parameters win).
 * Path parameters stay raw (not URL-decoded); each route checks its ids.
 */
import httpRouterHandler from '@middy/http-router';
import type { Context } from 'aws-lambda';
import type { ApiRoute } from './api-route';
import { MethodNotAllowedError, RouteNotFoundError } from './http-errors';
import type { HttpEvent, HttpResult, JsonHttpEvent } from './http-types';

export interface ApiRouter {
  /** Whether this request may be served without a bearer token. */
  isPublic(event: HttpEvent): boolean;
  /** The path template of the route this request is for (e.g. `/v1/streams/{id}`), or undefined if none is. */
  routeOf(event: HttpEvent): string | undefined;
  handler(event: JsonHttpEvent, context: Context): Promise<HttpResult>;
}

export function createApiRouter<Deps>(routes: ReadonlyArray<ApiRoute<Deps>>, deps: Deps): ApiRouter {
  const patterns = routes.map((route) => ({ method: route.method, path: route.path, pattern: pathPattern(route.path) }));
  const publicRoutes = new Set(routes.filter((route) => route.public === true).map((route) => `${route.method} ${route.path}`));

  const dispatch = httpRouterHandler<JsonHttpEvent, HttpResult>({
    routes: routes.map((route) => ({ method: route.method, path: route.path, handler: (event: JsonHttpEvent) => route.serve(event, deps) })),
    notFoundResponse: ({ method, path }) => {
      const allow = [...new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method))].sort();
      if (allow.length > 0) throw new MethodNotAllowedError(method, allow);
      throw new RouteNotFoundError();
    },
  });

  return {
    isPublic: (event) => publicRoutes.has(`${methodOf(event)} ${pathOf(event)}`),
    routeOf: (event) => {
      const method = methodOf(event);
      const path = pathOf(event);
      const matching = patterns.filter((p) => p.method === method && p.pattern.test(path));
      // A literal path wins over a template, as in @middy/http-router.
      return (matching.find((p) => p.path === path) ?? matching[0])?.path;
    },
    handler: async (event, context) => {
      const path = pathOf(event);
      if (path.length > 1 && path.endsWith('/')) throw new RouteNotFoundError();
      delete event.pathParameters;
      return dispatch(event, context);
    },
  };
}

/** The method and path @middy/http-router routes payload v2 events by. */
function methodOf(event: HttpEvent): string {
  return String(event.requestContext?.http?.method ?? '').toUpperCase();
}

function pathOf(event: HttpEvent): string {
  return String(event.requestContext?.http?.path ?? event.rawPath ?? '');
}

/** `{param}` matches one non-empty segment, as in @middy/http-router; literals match exactly. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
