/**
 * A tiny path router for API handlers: `/v1/streams/{id}` patterns, exact segments, no regexes from
 * outside. Unknown paths are 404, known paths with the wrong method are 405 with `Allow`. Path
 * parameters are handed over raw; each route validates its own (ids at the edge, before any store).
 */
import { MethodNotAllowedError, RouteNotFoundError } from './http-errors';
import type { HttpMethod, HttpResult, JsonHttpEvent } from './http-types';

export interface RouteRequest {
  event: JsonHttpEvent;
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string | undefined>>;
  body: unknown;
}

export interface Route {
  method: HttpMethod;
  /** e.g. `/v1/streams/{id}/reset-key` */
  path: string;
  /** Served without a bearer token. */
  public?: boolean;
  handle(request: RouteRequest): Promise<HttpResult>;
}

interface CompiledRoute {
  route: Route;
  segments: ReadonlyArray<{ literal: string } | { param: string }>;
}

export interface Router {
  /** The route for this request, or a RouteNotFoundError / MethodNotAllowedError. */
  match(method: string, path: string): { route: Route; params: Record<string, string> };
  isPublic(method: string, path: string): boolean;
  dispatch(event: JsonHttpEvent): Promise<HttpResult>;
}

export function createRouter(routes: ReadonlyArray<Route>): Router {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    segments: route.path
      .split('/')
      .slice(1)
      .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s })),
  }));

  const match = (method: string, path: string) => {
    const parts = path.split('/').slice(1);
    const allowed = new Set<string>();
    for (const candidate of compiled) {
      const params = matchSegments(candidate.segments, parts);
      if (!params) continue;
      if (candidate.route.method === method) return { route: candidate.route, params };
      allowed.add(candidate.route.method);
    }
    if (allowed.size === 0) throw new RouteNotFoundError();
    throw new MethodNotAllowedError(method, [...allowed].sort());
  };

  return {
    match,
    isPublic(method, path) {
      try {
        return match(method, path).route.public === true;
      } catch {
        return false;
      }
    },
    async dispatch(event) {
      const { route, params } = match(methodOf(event), pathOf(event));
      return route.handle({ event, params, query: event.queryStringParameters ?? {}, body: event.jsonBody });
    },
  };
}

export function methodOf(event: JsonHttpEvent): string {
  return String(event.requestContext?.http?.method ?? '').toUpperCase();
}

export function pathOf(event: JsonHttpEvent): string {
  return String(event.rawPath ?? event.requestContext?.http?.path ?? '');
}

function matchSegments(segments: CompiledRoute['segments'], parts: ReadonlyArray<string>): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const part = parts[i] as string;
    if (!segment) return undefined;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.param] = part;
    }
  }
  return params;
}
