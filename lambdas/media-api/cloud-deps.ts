/**
 * Cold-start wiring of the media library API for AWS: validated config, DynamoDB for items and the
 * stream lookup (DELETE's `in_use` check), the media bucket (presigned PUTs, deletes), the API token
 * from its secret; EMF metrics (`api_requests`) flushed per invocation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMediaStore } from '../../adapters/dynamodb-media-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3MediaUploadTarget } from '../../adapters/s3-media-upload-target';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadMediaApiConfig } from './config';
import { createMediaApiHandler, type MediaApiDeps, type MediaApiHandler } from './handler';

const SERVICE = 'media-api';

export async function mediaApiCloudDeps(env?: Env): Promise<MediaApiDeps & { metrics: EmfMetrics }> {
  const config = loadMediaApiConfig(env);
  const logger = powertoolsLogger(SERVICE);
  const client = new DynamoDBClient({});
  const s3 = new S3Client({});
  const prefix = config.mediaPrefix ? { prefix: config.mediaPrefix } : {};
  return {
    media: new DynamoDbMediaStore({ tableName: config.tableName, client }),
    streams: new DynamoDbStreamStore({ tableName: config.tableName, client, logger }),
    uploads: new S3MediaUploadTarget({ bucket: config.mediaBucket, client: s3, ...prefix }),
    objectStore: new S3ObjectStore({ bucket: config.mediaBucket, client: s3, ...prefix }),
    clock: systemClock,
    apiToken: apiTokenSource(config.apiToken),
    logger,
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildMediaApiHandler(env?: Env): Promise<MediaApiHandler> {
  const deps = await mediaApiCloudDeps(env);
  return withMetricsFlush(createMediaApiHandler(deps), deps.metrics);
}
