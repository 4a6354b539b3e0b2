/**
 * The webhooks API Lambda (API Gateway HTTP API, payload v2, routes `/v1/webhooks…`). Its route table
 * (routes.ts) is served by the shared chain (lambdas/shared/http-api.ts) with a smaller body cap:
 * nothing here needs more than 16 KiB. `createWebhooksApiHandler` is what the
 * local plane serves in-process; `handler` is the AWS entry point, wired once per cold start.
 */
import type { Context } from 'aws-lambda';
import type { Clock } from '../../core/ports/clock';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import type { WebhookStore } from '../../core/ports/webhook-store';
import type { AttemptMessage } from '../../core/ports/retry-scheduler';
import type { UrlPolicy } from '../../core/webhooks/url-policy';
import type { TokenSource } from '../shared/bearer-auth';
import { createHttpApiHandler } from '../shared/http-api';
import type { HttpEvent, HttpResult } from '../shared/http-types';
import { webhooksRoutes } from './routes';
import { MAX_WEBHOOK_BODY_BYTES } from './schema';
import { coldStartHandler } from '../shared/cold-start';

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
  /** Request counts (`api_requests`); default none. */
  metrics?: Metrics;
  maxEndpoints?: number;
}

export type WebhooksApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createWebhooksApiHandler(deps: WebhooksApiDeps) {
  const { apiToken, logger, metrics, ...routeDeps } = deps;
  return createHttpApiHandler(webhooksRoutes, routeDeps, { apiToken, logger, metrics, maxBodyBytes: MAX_WEBHOOK_BODY_BYTES });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: WebhooksApiHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildWebhooksApiHandler()));
