/**
 * The simulcast targets API Lambda (API Gateway HTTP API, payload v2, routes
 * `/v1/streams/{id}/simulcast-targets…`). `createSimulcastApiHandler` is what the local plane serves
 * in-process; `handler` is the AWS entry point, wired once per cold start.
 */
import type { Context } from 'aws-lambda';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import type { TokenSource } from '../shared/bearer-auth';
import { coldStartHandler } from '../shared/cold-start';
import { createHttpApiHandler } from '../shared/http-api';
import type { HttpEvent, HttpResult } from '../shared/http-types';
import { simulcastRoutes, type SimulcastApiRouteDeps } from './routes';
import { MAX_SIMULCAST_BODY_BYTES } from './schema';

export interface SimulcastApiDeps extends SimulcastApiRouteDeps {
  apiToken: TokenSource;
  logger?: Logger;
  metrics?: Metrics;
}

export type SimulcastApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createSimulcastApiHandler(deps: SimulcastApiDeps) {
  const { apiToken, logger, metrics, ...routeDeps } = deps;
  return createHttpApiHandler(simulcastRoutes, routeDeps, { apiToken, logger, metrics, maxBodyBytes: MAX_SIMULCAST_BODY_BYTES });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: SimulcastApiHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildSimulcastApiHandler()));
