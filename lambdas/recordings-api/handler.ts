/**
 * The recordings API Lambda (API Gateway HTTP API, payload v2): list a stream's recordings, read one,
 * delete one with its media, request its MP4 export. Its route table (routes.ts) is served by the
 * shared chain (lambdas/shared/http-api.ts); each route parses, calls core, and maps.
 * `createRecordingsApiHandler` is what the local plane serves in-process; `handler` is the AWS entry point.
 *
 * Must never: answer without a valid bearer token, or leak storage details in an error.
 */
import type { Context } from 'aws-lambda';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import type { TokenSource } from '../shared/bearer-auth';
import { createHttpApiHandler } from '../shared/http-api';
import type { HttpEvent, HttpResult } from '../shared/http-types';
import { recordingsRoutes, type RecordingsRouteDeps } from './routes';
import { coldStartHandler } from '../shared/cold-start';

export interface RecordingsApiDeps extends RecordingsRouteDeps {
  apiToken: TokenSource;
  logger?: Logger;
  /** Request counts (`api_requests`); default none. */
  metrics?: Metrics;
}

export type RecordingsApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createRecordingsApiHandler(deps: RecordingsApiDeps) {
  const { apiToken, logger, metrics, ...routeDeps } = deps;
  return createHttpApiHandler(recordingsRoutes, routeDeps, { apiToken, logger, metrics });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: RecordingsApiHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildRecordingsApiHandler()));
