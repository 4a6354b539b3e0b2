/**
 * The media library on the local plane: the same API handler the cloud runs (served in-process), the
 * signed upload route standing in for presigned S3 PUTs, and the probe queue — an in-process queue of
 * S3-shaped notifications consumed by the same probe worker the ingest tasks run in the cloud, with
 * ffprobe reading the file straight from the folder store.
 *
 * Must never: serve a path outside `/v1/media…` and `/uploads/media/…`, or keep a queue or ffprobe
 * running after close.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHmac } from 'node:crypto';
import { DynamoDbMediaStore } from '../adapters/dynamodb-media-store';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { serveHttpApi } from '../adapters/local-http-api';
import { LocalQueue } from '../adapters/local-queue';
import type { EmitEvent } from '../core/events/emit-event';
import { signUploadToken } from '../core/media-library/upload-token';
import type { Clock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { MediaUploadTarget } from '../core/ports/media-store';
import type { StreamStore } from '../core/ports/stream-store';
import { FfprobeProber } from '../containers/ingest/src/media/ffprobe-prober';
import { createMediaProbeConsumer, objectCreatedMessage } from '../containers/ingest/src/media/probe-worker';
import { createMediaApiHandler } from '../lambdas/media-api/handler';
import { isMediaApiPath } from '../lambdas/media-api/routes';
import type { Route } from './http/plane-http-server';
import { createMediaUploadRoute, uploadPath } from './http/media-upload-route';

export interface LocalMediaOptions {
  client: DynamoDBClient;
  tableName: string;
  objectStore: FsObjectStore;
  streams: StreamStore;
  emit: EmitEvent;
  clock: Clock;
  logger: Logger;
  apiToken: () => string;
  /** Base URL of the plane's HTTP listener (upload URLs point there), without a trailing slash. */
  uploadBase: string;
  maxBytes: number;
  ffprobePath?: string;
}

export interface LocalMedia {
  store: DynamoDbMediaStore;
  /** `/v1/media…`; false for any other path. */
  apiRoute: Route;
  /** `PUT /uploads/media/<id>`; false for any other path. */
  uploadRoute: Route;
  /** Resolves when the probe queue has nothing visible or in progress. */
  whenIdle(): Promise<void>;
  readonly deadLetters: LocalQueue;
  close(): Promise<void>;
}

export function wireLocalMedia(options: LocalMediaOptions): LocalMedia {
  const { logger } = options;
  const store = new DynamoDbMediaStore({ tableName: options.tableName, client: options.client });
  // Upload URLs are signed with a key derived from the API token: stable across restarts, never in a URL.
  const secret = () => createHmac('sha256', options.apiToken()).update('streamplane media upload urls').digest('base64url');
  const uploads: MediaUploadTarget = {
    issue: async (item, expiresAt) => {
      const { expires, token } = signUploadToken(secret(), item.id, expiresAt);
      return { url: `${options.uploadBase}${uploadPath(item.id, expires, token)}`, method: 'PUT' };
    },
  };
  const settle = {
    media: store,
    emit: options.emit,
    clock: options.clock,
    objectStore: options.objectStore,
    maxBytes: options.maxBytes,
    prober: new FfprobeProber({ inputFor: (key) => options.objectStore.pathFor(key), ...(options.ffprobePath ? { ffprobePath: options.ffprobePath } : {}) }),
  };
  const consumer = createMediaProbeConsumer({ ...settle, logger });
  const deadLetters = new LocalQueue({ name: 'media-probe-dlq', logger });
  const probes = new LocalQueue({
    name: 'media-probe',
    handler: (event) => consumer(event),
    deadLetterQueue: deadLetters,
    maxReceiveCount: 3,
    visibilityTimeoutMs: 5 * 60_000,
    batchSize: 1,
    // ffprobe reads the whole file: two at a time at most, the plane has live streams to serve.
    maxConcurrentBatches: 2,
    logger,
  });
  const api = createMediaApiHandler({ media: store, uploads, objectStore: options.objectStore, streams: options.streams, clock: options.clock, apiToken: options.apiToken, logger });
  const uploadRoute = createMediaUploadRoute({
    ...settle,
    secret,
    logger,
    stored: async (key, bytes) => void (await probes.sendMessage(objectCreatedMessage(key, bytes))),
  });
  let closed = false;
  return {
    store,
    apiRoute: async (req, res, url) => {
      if (!isMediaApiPath(url.pathname)) return false;
      await serveHttpApi(api, req, res, url);
      return true;
    },
    uploadRoute,
    whenIdle: () => probes.whenIdle(),
    deadLetters,
    async close() {
      if (closed) return;
      closed = true;
      await probes.close();
      await deadLetters.close();
    },
  };
}
