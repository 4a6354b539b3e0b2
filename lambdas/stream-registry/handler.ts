/**
 * The control API Lambda (API Gateway HTTP API, payload v2). The middleware chain does everything that
 * is not a use case: request id and logging, problem+json errors, bearer auth, JSON body checks; the
 * routes then parse, call core, and map. `createStreamRegistryHandler` is what the local plane serves
 * in-process; `handler` is the AWS entry point, wiring DynamoDB and EventBridge once per cold start.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { EmitEvent } from '../../core/events/emit-event';
import type { Clock } from '../../core/ports/clock';
import type { EventLog } from '../../core/ports/event-bus';
import { silentLogger, type Logger } from '../../core/ports/logger';
import type { StreamStore } from '../../core/ports/stream-store';
import type { PublicUrls } from '../../core/streams/stream';
import { bearerAuth, type TokenSource } from '../shared/bearer-auth';
import { httpProblemErrors } from '../shared/http-problem-errors';
import type { HttpEvent, HttpResult, JsonHttpEvent } from '../shared/http-types';
import { jsonBody } from '../shared/json-body';
import { requestLogger } from '../shared/request-logger';
import { createRouter, methodOf, pathOf } from '../shared/router';
import { buildOpenApiDocument } from './openapi';
import { streamRegistryRoutes } from './routes';
import { coldStartHandler } from '../shared/cold-start';

export interface StreamRegistryDeps {
  store: StreamStore;
  eventLog: EventLog;
  emit: EmitEvent;
  clock: Clock;
  urls: PublicUrls;
  apiToken: TokenSource;
  logger?: Logger;
  defaults?: { reconnectWindowSeconds?: number };
}

export type StreamRegistryHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createStreamRegistryHandler(deps: StreamRegistryDeps) {
  let openApi: unknown;
  const router = createRouter(streamRegistryRoutes(deps, () => (openApi ??= buildOpenApiDocument())));
  return middy<JsonHttpEvent, HttpResult>()
    .use(requestLogger({ logger: deps.logger ?? silentLogger }))
    .use(httpProblemErrors())
    .use(bearerAuth({ token: deps.apiToken, isPublic: (event) => router.isPublic(methodOf(event), pathOf(event)) }))
    .use(jsonBody())
    .handler((event) => router.dispatch(event));
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: StreamRegistryHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildStreamRegistryHandler()));
