/**
 * The media library API Lambda (API Gateway HTTP API, payload v2): its route table (routes.ts) served by
 * the shared chain (lambdas/shared/http-api.ts). `createMediaApiHandler` is what the local plane serves
 * in-process; `handler` is the AWS entry point.
 *
 * Must never: answer without a valid bearer token, or take a file's bytes (they go to `upload.url`).
 */
import type { Context } from 'aws-lambda';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import type { TokenSource } from '../shared/bearer-auth';
import { coldStartHandler } from '../shared/cold-start';
import { createHttpApiHandler } from '../shared/http-api';
import type { HttpEvent, HttpResult } from '../shared/http-types';
import { mediaRoutes, type MediaRouteDeps } from './routes';

export interface MediaApiDeps extends MediaRouteDeps {
  apiToken: TokenSource;
  logger?: Logger;
  metrics?: Metrics;
}

export type MediaApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createMediaApiHandler(deps: MediaApiDeps) {
  const { apiToken, logger, metrics, ...routeDeps } = deps;
  return createHttpApiHandler(mediaRoutes, routeDeps, { apiToken, logger, metrics });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: MediaApiHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildMediaApiHandler()));
