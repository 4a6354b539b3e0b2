/**
 * The webhooks API Lambda (API Gateway HTTP API, payload v2, routes `/v1/webhooks…`). The middleware
 * chain is the control API's: request id and logging, problem+json errors, bearer auth, JSON body
 * checks (smaller cap: nothing here needs more than 16 KiB). `createWebhooksApiHandler` is what the
 * local plane serves in-process; `handler` is the AWS entry point, wired once per cold start.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Clock } from '../../core/ports/clock';
import { silentLogger, type Logger } from '../../core/ports/logger';
import type { WebhookStore } from '../../core/ports/webhook-store';
import type { AttemptMessage } from '../../core/ports/retry-scheduler';
import type { UrlPolicy } from '../../core/webhooks/url-policy';
import { bearerAuth, type TokenSource } from '../shared/bearer-auth';
import { httpProblemErrors } from '../shared/http-problem-errors';
import type { HttpEvent, HttpResult, JsonHttpEvent } from '../shared/http-types';
import { jsonBody } from '../shared/json-body';
import { requestLogger } from '../shared/request-logger';
import { createRouter } from '../shared/router';
import { webhooksRoutes } from './routes';
import { MAX_WEBHOOK_BODY_BYTES } from './schema';

export interface WebhooksApiDeps {
  store: WebhookStore;
  clock: Clock;
  urlPolicy: UrlPolicy;
  /** Registration-time DNS check; delivery checks again on every attempt. */
  resolveHost?: (hostname: string) => Promise<string[]>;
  /** Queues a manual redelivery for the dispatcher. */
  enqueue: (message: AttemptMessage) => Promise<void>;
  apiToken: TokenSource;
  logger?: Logger;
  maxEndpoints?: number;
}

export type WebhooksApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createWebhooksApiHandler(deps: WebhooksApiDeps) {
  const router = createRouter(webhooksRoutes(deps));
  return middy<JsonHttpEvent, HttpResult>()
    .use(requestLogger({ logger: deps.logger ?? silentLogger }))
    .use(httpProblemErrors())
    .use(bearerAuth({ token: deps.apiToken }))
    .use(jsonBody({ maxBytes: MAX_WEBHOOK_BODY_BYTES }))
    .handler((event) => router.dispatch(event));
}

let coldStart: Promise<WebhooksApiHandler> | undefined;

/** AWS entry point. A failed cold start is not cached, so the next invocation tries again. */
export const handler: WebhooksApiHandler = async (event, context) => {
  coldStart ??= import('./cloud-deps').then((m) => m.buildWebhooksApiHandler()).catch((err: unknown) => {
    coldStart = undefined;
    throw err;
  });
  return (await coldStart)(event, context);
};
