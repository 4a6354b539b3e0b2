/**
 * The playback API Lambda (API Gateway HTTP API, payload v2, routes `/v1/playback-keys…` and
 * `/v1/playback-revocations`). `createPlaybackApiHandler` is what the local plane serves in-process;
 * `handler` is the AWS entry point, wired once per cold start.
 */
import type { Context } from 'aws-lambda';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import type { PlaybackRegistryDeps } from '../../core/playback/registry';
import type { TokenSource } from '../shared/bearer-auth';
import { coldStartHandler } from '../shared/cold-start';
import { createHttpApiHandler } from '../shared/http-api';
import type { HttpEvent, HttpResult } from '../shared/http-types';
import { playbackRoutes } from './routes';
import { MAX_PLAYBACK_BODY_BYTES } from './schema';

export interface PlaybackApiDeps extends PlaybackRegistryDeps {
  apiToken: TokenSource;
  logger?: Logger;
  metrics?: Metrics;
}

export type PlaybackApiHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function createPlaybackApiHandler(deps: PlaybackApiDeps) {
  const { apiToken, logger, metrics, ...routeDeps } = deps;
  return createHttpApiHandler(playbackRoutes, routeDeps, { apiToken, logger, metrics, maxBodyBytes: MAX_PLAYBACK_BODY_BYTES });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: PlaybackApiHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildPlaybackApiHandler()));
