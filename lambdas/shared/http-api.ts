/**
 * The one middleware chain of every HTTP API Lambda, around a route table: request id and logging,
 * the `api_requests` count per route template and status class (it sees errors once they became
 * problem responses), problem+json errors, header names lowercased (@middy/http-header-normalizer), bearer auth (before
 * routing, so an unauthenticated caller learns nothing about which routes exist), the JSON body checks,
 * then @middy/http-router. Handlers get this from here and never assemble their own chain.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../core/ports/metrics';
import type { ApiRoute } from './api-route';
import { createApiRouter } from './api-router';
import { bearerAuth, type TokenSource } from './bearer-auth';
import { httpProblemErrors } from './http-problem-errors';
import type { HttpResult, JsonHttpEvent } from './http-types';
import { jsonBody } from './json-body';
import { requestLogger } from './request-logger';
import { requestMetrics } from './request-metrics';

export interface HttpApiOptions {
  apiToken: TokenSource;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  /** Body cap in bytes (default: json-body's 64 KiB). */
  maxBodyBytes?: number;
}

export function createHttpApiHandler<Deps>(routes: ReadonlyArray<ApiRoute<Deps>>, deps: Deps, options: HttpApiOptions) {
  const router = createApiRouter(routes, deps);
  return middy<JsonHttpEvent, HttpResult>()
    .use(requestLogger({ logger: options.logger ?? silentLogger }))
    .use(requestMetrics({ metrics: options.metrics ?? noopMetrics, routeOf: router.routeOf }))
    .use(httpProblemErrors())
    .use(httpHeaderNormalizer())
    .use(bearerAuth({ token: options.apiToken, isPublic: router.isPublic }))
    .use(jsonBody(options.maxBodyBytes === undefined ? {} : { maxBytes: options.maxBodyBytes }))
    .handler(router.handler);
}
