/**
 * The recordings API Lambda (API Gateway HTTP API, payload v2): list a stream's recordings, read one,
 * delete one with its media, request its MP4 export. The middleware chain is the control API's (request
 * id and logging, problem+json errors, bearer auth, JSON body); the routes parse, call core, and map.
 * `createRecordingsApiHandler` is what the local plane serves in-process; `handler` is the AWS entry point.
 *
 * Must never: answer without a valid bearer token, or leak storage details in an error.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { bearerAuth, type TokenSource } from '../shared/bearer-auth';
import { httpProblemErrors } from '../shared/http-problem-errors';
import type { HttpEvent, HttpResult, JsonHttpEvent } from '../shared/http-types';
import { jsonBody } from '../shared/json-body';
import { requestLogger } from '../shared/request-logger';
import { createRouter } from '../shared/router';
import { recordingsRoutes, type RecordingsRouteDeps } from './routes';
import { coldStartHandler } from '../shared/cold-start';

export interface RecordingsApiDeps extends RecordingsRouteDeps {
  apiToken: TokenSource;
  logger?: Logger;
}

export type RecordingsApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createRecordingsApiHandler(deps: RecordingsApiDeps) {
  const router = createRouter(recordingsRoutes(deps));
  return middy<JsonHttpEvent, HttpResult>()
    .use(requestLogger({ logger: deps.logger ?? silentLogger }))
    .use(httpProblemErrors())
    .use(bearerAuth({ token: deps.apiToken }))
    .use(jsonBody())
    .handler((event) => router.dispatch(event));
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: RecordingsApiHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildRecordingsApiHandler()));
