/**
 * The control API Lambda (API Gateway HTTP API, payload v2): its route table (routes.ts) served by the
 * shared middleware chain (lambdas/shared/http-api.ts: logging, problem+json errors, bearer auth, JSON
 * body checks, @middy/http-router); each route parses, calls core, and maps. `createStreamRegistryHandler` is what the local plane serves
 * in-process; `handler` is the AWS entry point, wiring DynamoDB and EventBridge once per cold start.
 */
import type { Context } from 'aws-lambda';
import type { EmitEvent } from '../../core/events/emit-event';
import type { Clock } from '../../core/ports/clock';
import type { EventLog } from '../../core/ports/event-bus';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import type { StreamStore } from '../../core/ports/stream-store';
import type { PullJobQueue } from '../../core/ports/pull-jobs';
import type { SourceAdmissionDeps } from '../../core/pulls/pull-admission';
import type { MediaLookup } from '../../core/media-library/channel-media';
import type { PublicUrls } from '../../core/streams/stream';
import type { TokenSource } from '../shared/bearer-auth';
import { createHttpApiHandler } from '../shared/http-api';
import type { HttpEvent, HttpResult } from '../shared/http-types';
import { buildOpenApiDocument } from './openapi';
import type { MonitoringDeps } from './monitoring-routes';
import { streamRegistryRoutes } from './routes';
import type { IngestCellsDeps } from './cell-urls';
import { coldStartHandler } from '../shared/cold-start';

export interface StreamRegistryDeps {
  store: StreamStore;
  eventLog: EventLog;
  emit: EmitEvent;
  clock: Clock;
  urls: PublicUrls;
  apiToken: TokenSource;
  logger?: Logger;
  /** Request counts (`api_requests`); default none. */
  metrics?: Metrics;
  defaults?: { reconnectWindowSeconds?: number };
  /** Where started pulls go (`POST /v1/streams/{id}/start`); without it that route answers 503. */
  pullJobs?: PullJobQueue;
  /** Pull source URL policy (default the cloud policy) and DNS check. */
  sources?: Partial<SourceAdmissionDeps>;
  /** The media library, to check a stream's fallback and slate ids. */
  media?: MediaLookup;
  /** Stream health, sessions and nodes (`/v1/streams/{id}/health`, `…/sessions`, `/v1/sessions/{id}`, `/v1/nodes`). */
  monitoring?: MonitoringDeps;
  /** Ingest cells (cloud planes with `ingestCells`): endpoints and per-cell counts. */
  cells?: IngestCellsDeps;
}

export type StreamRegistryHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createStreamRegistryHandler(deps: StreamRegistryDeps) {
  let openApi: unknown;
  const { apiToken, logger, metrics, ...routeDeps } = deps;
  return createHttpApiHandler(streamRegistryRoutes, { ...routeDeps, openApiDocument: () => (openApi ??= buildOpenApiDocument()) }, { apiToken, logger, metrics });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: StreamRegistryHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildStreamRegistryHandler()));
