/**
 * Middleware counting every API request as `api_requests{route, status}`: `route` is the matched
 * route's path template (`unmatched` when none is), `status` the class of the answer (2xx, 4xx, 5xx),
 * errors included once they became a problem response.
 *
 * Must never: put a raw path, an id, a key or a query value into a label (dimensions must stay bounded).
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { Metrics } from '../../core/ports/metrics';
import type { HttpEvent, HttpResult } from './http-types';

export const API_REQUESTS = 'api_requests';

export function requestMetrics(options: { metrics: Metrics; routeOf: (event: HttpEvent) => string | undefined }): MiddlewareObj<HttpEvent, HttpResult> {
  const count = (request: Request<HttpEvent, HttpResult>): void => {
    const status = request.response?.statusCode ?? 500;
    options.metrics.count(API_REQUESTS, 1, { route: options.routeOf(request.event) ?? 'unmatched', status: statusClass(status) });
  };
  return { name: 'requestMetrics', after: count, onError: count };
}

export function statusClass(status: number): string {
  return `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;
}
